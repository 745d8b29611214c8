/**
 * better-auth's secondary storage on Redis, under `<REDIS_KEY_PREFIX>auth:`: its session cache and its
 * per-address sign-in limit (`rateLimit.storage: "secondary-storage"`), shared by every replica.
 *
 * The database stays the source of truth (create-auth.ts stores sessions and verifications there too),
 * so a Redis fault is a cache miss, not a failure: a read that fails finds nothing (better-auth then reads
 * the database), a write that fails is skipped, and a failed `increment` counts in this process's store
 * (the limit holds per process until Redis is back). One gap: a session ended during an outage leaves
 * its cached copy in Redis, if Redis kept it, until that copy expires.
 */
import "server-only";
import type { BetterAuthOptions } from "better-auth";
import type { SharedRedis } from "../redis/shared-redis";
import type { CounterStore } from "./counter-store";
import { createRedisCounters } from "./redis-counters";

export type SecondaryStorage = NonNullable<BetterAuthOptions["secondaryStorage"]>;

/** The storage; `local` counts better-auth's rate limit while Redis is unreachable. */
export function createRedisSecondaryStorage(redis: SharedRedis, local: CounterStore): SecondaryStorage {
  const space = "auth:";
  const keyOf = (key: string) => `${redis.keyPrefix}${space}${key}`;
  const counters = createRedisCounters(redis, space, local);
  return {
    get: (key) =>
      redis.run(
        (client) => client.get(keyOf(key)),
        () => null,
      ),
    getAndDelete: (key) =>
      redis.run(
        (client) => client.getdel(keyOf(key)),
        () => null,
      ),
    set: (key, value, ttl) =>
      redis.run(
        (client) =>
          ttl !== undefined && ttl > 0
            ? client.set(keyOf(key), value, "EX", Math.ceil(ttl))
            : client.set(keyOf(key), value),
        () => null,
      ),
    delete: (key) =>
      redis.run(
        async (client) => void (await client.del(keyOf(key))),
        () => undefined,
      ),
    increment: async (key, ttl) => (await counters.increment(key, ttl)).count,
  };
}
