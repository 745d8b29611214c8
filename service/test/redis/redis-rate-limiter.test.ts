// The rate limit shared through Redis: two limiters (as two replicas would hold) count together, at the
// limit the next message is refused with the wait until the next one is allowed, and while Redis cannot be
// reached each one counts on its own — degrading to per replica, refusing no one more — logged once.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createRedisRateLimiter,
  type RedisRateLimiter,
} from "../../src/adapters/redis/redis-rate-limiter.js";
import type { Logger } from "../../src/application/ports.js";
import { openTestRedis, type TestRedis } from "../support/redis.js";

let redis: TestRedis;
const opened: RedisRateLimiter[] = [];
beforeEach(() => (redis = openTestRedis()));
afterEach(async () => {
  await Promise.all(opened.splice(0).map((limiter) => limiter.close()));
  await redis.cleanup();
});

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { info() {}, warn: (message) => void warnings.push(message), error() {} };
  return { logger, warnings };
}

function aLimiter(url: string, logger: Logger = recordingLogger().logger) {
  const limiter = createRedisRateLimiter({ url, keyPrefix: redis.prefix, logger });
  opened.push(limiter);
  return limiter;
}

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe("the Redis rate limiter", () => {
  it("counts one user's messages across two limiters; refuses the next with the wait; others unaffected", async () => {
    const a = aLimiter(redis.url);
    const b = aLimiter(redis.url);
    await Promise.all([a.ready(), b.ready()]);
    // 3 a minute: a burst of 3, then one every 20 s.
    expect(await a.take("alice", 3, at(0))).toEqual({ allowed: true });
    expect(await b.take("alice", 3, at(0))).toEqual({ allowed: true });
    expect(await a.take("alice", 3, at(1_000))).toEqual({ allowed: true });
    expect(await b.take("alice", 3, at(1_000))).toEqual({ allowed: false, retryAfterMs: 19_000 });
    expect(await a.take("alice", 3, at(1_000))).toEqual({ allowed: false, retryAfterMs: 19_000 });
    expect(await b.take("bob", 3, at(1_000))).toEqual({ allowed: true });
    // Refusals were not counted: at 20 s one more is allowed, then none.
    expect(await b.take("alice", 3, at(20_000))).toEqual({ allowed: true });
    expect(await a.take("alice", 3, at(20_000))).toEqual({ allowed: false, retryAfterMs: 20_000 });
    expect(await redis.client.pttl(`${redis.prefix}rate:alice`)).toBeGreaterThan(0);
  });

  it("falls back to counting per process while Redis is unreachable, and says so once", async () => {
    const { logger, warnings } = recordingLogger();
    const down = aLimiter("redis://127.0.0.1:1", logger);
    const other = aLimiter("redis://127.0.0.1:1");
    expect(await down.take("carol", 2, at(0))).toEqual({ allowed: true });
    expect(await down.take("carol", 2, at(0))).toEqual({ allowed: true });
    expect(await down.take("carol", 2, at(0))).toEqual({ allowed: false, retryAfterMs: 30_000 });
    expect(await other.take("carol", 2, at(0))).toEqual({ allowed: true }); // its own count
    expect(warnings).toEqual(["Redis is unreachable: each replica counts message rates on its own"]);
  });
});
