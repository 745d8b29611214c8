/**
 * Window counters on Redis, shared by every replica: one key per counter under `<REDIS_KEY_PREFIX><space>`,
 * expiring when its window ends. Each step is one atomic script, so parallel requests on any replica
 * count exactly. When Redis fails, the step is done on this process's own store instead: limits then
 * hold per process (degraded, never refusing everyone) until Redis is back.
 */
import "server-only";
import type { SharedRedis } from "../redis/shared-redis";
import type { CounterStore } from "./counter-store";
import type { WindowCounters } from "./window-counters";

// The window is set when the key is created; a key that somehow lost its expiry gets one again.
const incrementScript = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

// Never creates a key (it would have no expiry) and never goes below zero.
const decrementScript = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/** Counters under `<keyPrefix><space>`, falling back to `local` call by call. */
export function createRedisCounters(redis: SharedRedis, space: string, local: CounterStore): WindowCounters {
  const keyOf = (key: string) => `${redis.keyPrefix}${space}${key}`;
  return {
    increment: (key, windowSeconds) =>
      redis.run(
        async (client) => {
          const started = Date.now();
          const [count, ttlMs] = (await client.eval(
            incrementScript,
            1,
            keyOf(key),
            String(windowSeconds * 1000),
          )) as [number, number];
          return { count, resetAt: started + ttlMs };
        },
        () => ({ ...local.increment(key, windowSeconds) }),
      ),
    decrement: (key) =>
      redis.run(
        async (client) => void (await client.eval(decrementScript, 1, keyOf(key))),
        () => local.decrement(key),
      ),
    async delete(key) {
      // Also here: an outage may have left a count in this process.
      local.delete(key);
      await redis.run(
        async (client) => void (await client.del(keyOf(key))),
        () => undefined,
      );
    },
  };
}
