/**
 * Redis for the rows that run the service with its Redis hub on (11–14): the machine's server
 * (BENCH_REDIS_URL, else REDIS_URL, else 127.0.0.1:6379), a key prefix of the run's own so that other
 * users of the same server (tests, other runs) are not touched, and the cleanup of that prefix.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export function benchRedis() {
  const url = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `parley-bench:${randomBytes(5).toString("hex")}:`;
  return {
    url,
    prefix,
    /** The service's environment for the hub on. */
    env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix },
    /** Answers PING within a second, or throws. */
    async check() {
      const client = new Redis(url, { maxRetriesPerRequest: 0, connectTimeout: 1_000, lazyConnect: true });
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    },
    /** Unlinks every key under the run's prefix. */
    async cleanup() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        let cursor = "0";
        do {
          const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
          if (keys.length > 0) await client.unlink(...keys);
          cursor = next;
        } while (cursor !== "0");
      } finally {
        client.disconnect();
      }
    },
  };
}
