/**
 * Tests share the Redis server at REDIS_TEST_URL (default the CI's `redis://127.0.0.1:6379`): each takes
 * a random key prefix and deletes every key under it afterwards.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const testRedisUrl = process.env["REDIS_TEST_URL"] ?? "redis://127.0.0.1:6379";

export interface TestRedisPrefix {
  prefix: string;
  /** The keys under the prefix now (without it), sorted. */
  keys(pattern?: string): Promise<string[]>;
  /** A command on the test server, e.g. to read a key's TTL. */
  client: Redis;
  /** Deletes every key under the prefix and closes the connection. */
  cleanUp(): Promise<void>;
}

export function testRedisPrefix(): TestRedisPrefix {
  const prefix = `parley-test-${randomBytes(5).toString("hex")}:`;
  const client = new Redis(testRedisUrl, { lazyConnect: true });
  const scan = async (pattern: string) => {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await client.scan(cursor, "MATCH", `${prefix}${pattern}`, "COUNT", 500);
      cursor = next;
      found.push(...batch);
    } while (cursor !== "0");
    return found;
  };
  return {
    prefix,
    client,
    keys: async (pattern = "*") => (await scan(pattern)).map((key) => key.slice(prefix.length)).sort(),
    async cleanUp() {
      const keys = await scan("*");
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    },
  };
}
