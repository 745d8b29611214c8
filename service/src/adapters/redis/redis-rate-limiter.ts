/**
 * The RateLimiter shared by every replica: one GCRA per user in Redis (`${prefix}rate:${user}`, the
 * theoretical arrival time in ms), checked and advanced atomically by one Lua script — the same steps
 * as the domain's `gcra`. While Redis cannot be reached each process counts on its own (the in-memory
 * limiter): the limit degrades to per replica, it never refuses everyone. Logged once per outage.
 *
 * The time is the caller's clock (tests inject it); replicas' clocks are assumed NTP-close — a skew of
 * s ms lets a message through s ms early, at most.
 */
import { Redis } from "ioredis";
import type { RateLimiter } from "../../application/limits/limits-ports.js";
import type { Logger } from "../../application/ports.js";
import { createInMemoryRateLimiter } from "../../application/limits/in-memory-rate-limiter.js";
import { whenReady } from "./redis-connections.js";

/** KEYS[1] the user's key; ARGV: now (ms), interval (ms), burst. Returns 0 (taken) or the ms to wait. */
const gcraScript = `
local tat = tonumber(redis.call('GET', KEYS[1])) or 0
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
if tat < now then tat = now end
local nextTat = tat + interval
local allowAt = nextTat - interval * burst
if now < allowAt then return math.ceil(allowAt - now) end
redis.call('SET', KEYS[1], tostring(nextTat), 'PX', math.ceil(nextTat - now))
return 0
`;

type GcraRedis = Redis & {
  parleyGcra(key: string, now: number, interval: number, burst: number): Promise<number>;
};

export interface RedisRateLimiterOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
  /** A command without an answer for this long fails over to the local count (default 500 ms). */
  commandTimeoutMs?: number;
}

export interface RedisRateLimiter extends RateLimiter {
  /** Resolves once the connection is first ready (until then, counts are this process's own). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const redis = new Redis(options.url, {
    // As the bus's connections (redis-connections.ts): no offline queue, fail fast, reconnect forever.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 5_000,
    commandTimeout: options.commandTimeoutMs ?? 500,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 2_000),
    connectionName: "parley-rate-limiter",
  }) as GcraRedis;
  redis.on("error", () => undefined); // reported once per outage below
  redis.defineCommand("parleyGcra", { numberOfKeys: 1, lua: gcraScript });
  const local = createInMemoryRateLimiter();
  let down = false;
  return {
    async take(userId, perMinute, now) {
      try {
        const key = `${options.keyPrefix}rate:${userId}`;
        const wait = Number(await redis.parleyGcra(key, now.getTime(), 60_000 / perMinute, perMinute));
        if (down) {
          down = false;
          options.logger.info("rate limits are shared through Redis again");
        }
        return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
      } catch (error) {
        if (!down) {
          down = true;
          options.logger.warn("Redis is unreachable: each replica counts message rates on its own", {
            error: String(error),
          });
        }
        return local.take(userId, perMinute, now);
      }
    },
    ready: () => whenReady(redis),
    async close() {
      await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
}
