/** A RateLimiter in process memory: exact for one process, per replica when there are several. */
import { gcra } from "../../domain/limits.js";
import type { RateLimiter } from "./limits-ports.js";

export interface InMemoryRateLimiter extends RateLimiter {
  /** How many users' counters are remembered (those that have not run down yet); for tests. */
  remembered(): number;
}

/**
 * The map is kept in the order counters were last taken (a take moves its user to the end), and a
 * taken counter runs down at most 60 s later (GCRA allows a theoretical arrival time at most one
 * burst, 60 s, ahead). So the counters that have run down are at the front: each take forgets them from
 * there and stops at the first live one. That is O(1) amortised per take, whatever the number of users,
 * and the map holds only the users who sent something in the last minute.
 */
export function createInMemoryRateLimiter(): InMemoryRateLimiter {
  const tats = new Map<string, number>();
  return {
    async take(userId, perMinute, now) {
      const nowMs = now.getTime();
      const decision = gcra(tats.get(userId) ?? 0, nowMs, perMinute);
      if (!decision.allowed) return decision;
      tats.delete(userId);
      tats.set(userId, decision.tat);
      for (const [user, tat] of tats) {
        if (tat > nowMs) break;
        tats.delete(user);
      }
      return { allowed: true };
    },
    remembered: () => tats.size,
  };
}
