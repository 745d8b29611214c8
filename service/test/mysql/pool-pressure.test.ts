/**
 * A burst beyond what the pool can hold: requests past the queue, or waiting longer than the acquire
 * time-out, get one clear `storage.unavailable` quickly (no cause, so the RPC boundary logs nothing for
 * them), the burst is logged once, and the pool serves the next request once its connections are free.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import type { DatabaseOptions } from "../../src/adapters/mysql/database.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function aTestDatabase(options: DatabaseOptions): Promise<TestDatabase> {
  const database = await createTestDatabase(options);
  cleanups.push(() => database.drop());
  return database;
}

describe("a saturated pool", () => {
  it("refuses a burst quickly with storage.unavailable, logs it once, and serves the next request", async () => {
    const warnings: unknown[] = [];
    const database = await aTestDatabase({
      connectionLimit: 2,
      queueLimit: 3,
      acquireTimeoutMs: 300,
      logger: { warn: (message, fields) => void warnings.push({ message, fields }) },
    });
    const repository = createMysqlChatRepository(database, testUsageMeter);
    // Slow statements hold every connection, as a stuck query or a lock wait would.
    const slow = [1, 2].map(() => database.pool.query("SELECT SLEEP(1.5)"));
    let slowEnded = false;
    void Promise.all(slow).then(() => (slowEnded = true));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const burst = await Promise.allSettled(
      Array.from({ length: 20 }, () => repository.findChat("user-a", randomUUID())),
    );
    expect(burst.every((result) => result.status === "rejected")).toBe(true);
    for (const result of burst) {
      const error = (result as PromiseRejectedResult).reason as { code: string; cause?: unknown };
      expect(error.code).toBe("storage.unavailable");
      expect(error.cause).toBeUndefined();
    }
    // 17 past the queue at once, the 3 queued at the 300 ms wait: well before the slow queries end.
    expect(slowEnded).toBe(false); // refused while the slow statements still hold the pool
    expect(warnings).toEqual([
      {
        message: "database pool busy: requests refused with storage.unavailable",
        fields: { kind: "queue-full" },
      },
      {
        message: "database pool busy: requests refused with storage.unavailable",
        fields: { kind: "wait-timeout" },
      },
    ]);

    await Promise.all(slow);
    await expect(repository.findChat("user-a", randomUUID())).resolves.toBeUndefined();
  });

  it("serves a borrower that waits less than the time-out", async () => {
    const database = await aTestDatabase({ connectionLimit: 1, queueLimit: 5, acquireTimeoutMs: 2_000 });
    const repository = createMysqlChatRepository(database, testUsageMeter);
    const slow = database.pool.query("SELECT SLEEP(0.3)");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(repository.findChat("user-a", randomUUID())).resolves.toBeUndefined();
    await slow;
  });
});
