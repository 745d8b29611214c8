/**
 * Redis for tests: the server every test shares, a key prefix of its own per test, and cleanup.
 *
 * ```ts
 * let redis: TestRedis;
 * beforeEach(() => (redis = openTestRedis()));
 * afterEach(() => redis.cleanup());
 * // redis.url, redis.prefix (`parley-test:<uuid>:`), redis.client (ioredis, for looking at the keys)
 * ```
 *
 * The server comes from REDIS_URL (default `redis://127.0.0.1:6379`).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const testRedisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** `testRedisUrl()` with its port replaced, e.g. to go through a TCP proxy. */
export function testRedisUrlViaPort(port: number): string {
  const url = new URL(testRedisUrl());
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

/** Host and port of the test server, for a TCP proxy in front of it. */
export function testRedisAddress(): { host: string; port: number } {
  const url = new URL(testRedisUrl());
  return { host: url.hostname, port: Number(url.port || 6379) };
}

export interface TestRedis {
  url: string;
  prefix: string;
  client: Redis;
  /** Unlinks every key under `prefix` and closes `client`. */
  cleanup(): Promise<void>;
}

export function openTestRedis(): TestRedis {
  const url = testRedisUrl();
  const prefix = `parley-test:${randomUUID()}:`;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    url,
    prefix,
    client,
    async cleanup() {
      try {
        await deleteKeysWithPrefix(client, prefix);
      } finally {
        client.disconnect();
      }
    },
  };
}

export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<void> {
  // The prefix is a UUID under our own namespace: no glob characters to escape.
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}
