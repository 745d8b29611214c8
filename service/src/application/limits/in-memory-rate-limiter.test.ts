import { describe, expect, it } from "vitest";
import { createInMemoryRateLimiter } from "./in-memory-rate-limiter.js";

const start = Date.parse("2026-03-15T12:00:00.000Z");
const at = (ms: number) => new Date(start + ms);

describe("the in-memory rate limiter", () => {
  it("allows a burst of perMinute, then one every 60 s / perMinute", async () => {
    const limiter = createInMemoryRateLimiter();
    for (let i = 0; i < 3; i++) await expect(limiter.take("u", 3, at(0))).resolves.toEqual({ allowed: true });
    await expect(limiter.take("u", 3, at(0))).resolves.toEqual({ allowed: false, retryAfterMs: 20_000 });
    await expect(limiter.take("u", 3, at(20_000))).resolves.toEqual({ allowed: true });
  });

  it("remembers only the users whose counters have not run down, however many there were", async () => {
    const limiter = createInMemoryRateLimiter();
    // 20 000 users, one message each, 10 ms apart: at 20 per minute a counter runs down 3 s after its take.
    for (let i = 0; i < 20_000; i++) await limiter.take(`user-${i}`, 20, at(i * 10));
    // The last take was at 199 990 ms: the users who sent after 196 990 ms are still counted.
    expect(limiter.remembered()).toBe(300);
    await limiter.take("late", 20, at(199_990 + 60_000));
    expect(limiter.remembered()).toBe(1);
  });

  it("never forgets a live counter; one that ran down behind it goes within the minute", async () => {
    const limiter = createInMemoryRateLimiter();
    await limiter.take("busy", 1, at(0)); // runs down at 60 s
    await limiter.take("quiet", 60, at(1)); // runs down at 1 001 ms
    await limiter.take("other", 60, at(2_000)); // "busy" at the front is live: the scan stops there
    expect(limiter.remembered()).toBe(3);
    await expect(limiter.take("busy", 1, at(30_000))).resolves.toEqual({
      allowed: false,
      retryAfterMs: 30_000,
    });
    await limiter.take("other", 60, at(60_000)); // "busy" and "quiet" have run down by now
    expect(limiter.remembered()).toBe(1);
  });
});
