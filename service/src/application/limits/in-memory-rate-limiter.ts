/** A RateLimiter in process memory: exact for one process, per replica when there are several. */
import { gcra } from "../../domain/limits.js";
import type { RateLimiter } from "./limits-ports.js";

/** Above this many users remembered, users whose counters have run down are forgotten. */
const pruneAbove = 10_000;

export function createInMemoryRateLimiter(): RateLimiter {
  const tats = new Map<string, number>();
  return {
    async take(userId, perMinute, now) {
      const nowMs = now.getTime();
      const decision = gcra(tats.get(userId) ?? 0, nowMs, perMinute);
      if (!decision.allowed) return decision;
      tats.set(userId, decision.tat);
      if (tats.size > pruneAbove) {
        for (const [user, tat] of tats) if (tat <= nowMs) tats.delete(user);
      }
      return { allowed: true };
    },
  };
}
