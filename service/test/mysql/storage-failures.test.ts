import { randomUUID } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase, type Database, type DatabaseOptions } from "../../src/adapters/mysql/database.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { startTcpProxy, type TcpProxy } from "@parley/test-support";
import { aChat, anOutcome, aTurn } from "../support/chat-builders.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function aTestDatabase(options: DatabaseOptions = {}): Promise<TestDatabase> {
  const database = await createTestDatabase(options);
  cleanups.push(() => database.drop());
  return database;
}

/** A chat with a finished turn, so another turn may start. */
async function aReadyChat(database: Database) {
  const repository = createMysqlChatRepository(database, testUsageMeter);
  const now = new Date("2025-01-01T00:00:00.000Z");
  const chat = aChat({ createdAt: now, updatedAt: now });
  const { reply } = await repository.startTurn(aTurn(chat, { now }));
  await repository.finishReply(reply.id, anOutcome());
  return { repository, chat };
}

/** A test database reached through a proxy the test can cut or freeze. */
async function throughProxy(options: DatabaseOptions = {}): Promise<{ proxy: TcpProxy; database: Database }> {
  const direct = await aTestDatabase();
  const url = new URL(direct.url);
  const proxy = await startTcpProxy(Number(url.port || 3306), url.hostname);
  cleanups.push(() => proxy.close());
  url.port = String(proxy.port);
  const database = await createDatabase(url.toString(), options);
  cleanups.push(() => database.close());
  return { proxy, database };
}

const storageUnavailable = {
  code: "storage.unavailable",
  message: "the chat store is unavailable; try again shortly",
};

describe("a store under pressure or gone", () => {
  it("fails at once when the pool's queue is full, instead of queueing without bound", async () => {
    const database = await aTestDatabase({ connectionLimit: 1, queueLimit: 1 });
    const repository = createMysqlChatRepository(database, testUsageMeter);
    const busy = await database.pool.getConnection();

    const queued = repository.findChat("user-a", randomUUID());
    let queuedSettled = false;
    void queued.finally(() => (queuedSettled = true));
    await expect(repository.findChat("user-a", randomUUID())).rejects.toMatchObject(storageUnavailable);
    expect(queuedSettled).toBe(false); // refused while the queue was still full, not after waiting in it

    busy.release();
    await expect(queued).resolves.toBeUndefined();
  });

  it("gives up on a statement at the query timeout, writes nothing and keeps working", async () => {
    const database = await aTestDatabase({ queryTimeoutMs: 300 });
    const { repository, chat } = await aReadyChat(database);
    // Another session holds the chat's row lock, as a stuck transaction would.
    const holder = await database.pool.getConnection();
    await holder.query("START TRANSACTION");
    await holder.query("SELECT id FROM chats WHERE id = ? FOR UPDATE", [chat.id]);

    // It fails while the lock is still held: at the 300 ms query timeout, not InnoDB's 50 s lock wait
    // (which the test's own timeout would cut short).
    await expect(repository.startTurn(aTurn(chat, { createChat: false }))).rejects.toMatchObject(
      storageUnavailable,
    );

    await holder.query("ROLLBACK");
    holder.release();
    const [count] = await database.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM messages");
    expect(count).toEqual([{ n: 2 }]);
    await expect(repository.startTurn(aTurn(chat, { createChat: false }))).resolves.toMatchObject({
      userMessage: { seq: 3 },
    });
  });

  it("fails fast while the server is unreachable, and recovers when it returns", async () => {
    const { proxy, database } = await throughProxy();
    const { repository, chat } = await aReadyChat(database);

    await proxy.cut();
    // Each call fails while the server is still cut off; one that waited would hit the test's timeout.
    await expect(repository.findChat(chat.userId, chat.id)).rejects.toMatchObject(storageUnavailable);
    await expect(repository.startTurn(aTurn(chat, { createChat: false }))).rejects.toMatchObject(
      storageUnavailable,
    );
    await expect(database.ping()).rejects.toMatchObject(storageUnavailable);

    await proxy.restore();
    await expect(database.ping()).resolves.toBeUndefined();
    expect(await repository.findChat(chat.userId, chat.id)).toEqual(chat);
  });

  it("fails each call at the timeout while the server is frozen, and recovers when it thaws", async () => {
    const { proxy, database } = await throughProxy({ queryTimeoutMs: 300, connectTimeoutMs: 500 });
    const { repository, chat } = await aReadyChat(database);

    proxy.freeze();
    // Several rounds: a timed-out call must not leave a stuck connection that makes the next one wait.
    // Each fails at its own timeout while the server is still frozen (nothing here thaws it).
    for (let round = 0; round < 3; round++) {
      await expect(repository.findChat(chat.userId, chat.id)).rejects.toMatchObject(storageUnavailable);
      await expect(database.ping()).rejects.toMatchObject(storageUnavailable);
    }

    proxy.thaw();
    expect(await repository.findChat(chat.userId, chat.id)).toEqual(chat);
  });

  it("never puts SQL or parameters in the message", async () => {
    const database = await aTestDatabase();
    const { repository, chat } = await aReadyChat(database);
    // Break the table under the repository: a real SQL error with the user's text in the statement.
    await database.pool.query("ALTER TABLE messages DROP COLUMN total_tokens");

    const failure = repository.startTurn(
      aTurn(chat, {
        createChat: false,
        userMessage: { id: randomUUID(), content: "secret words", tokenCount: 2 },
      }),
    );
    await expect(failure).rejects.toMatchObject(storageUnavailable);
    const error = (await failure.catch((caught: unknown) => caught)) as Error;
    expect(
      JSON.stringify({ message: error.message, details: (error as { details?: unknown }).details }),
    ).not.toMatch(/select|insert|secret/i);
    // The driver's error stays available to logs as the cause, without Drizzle's statement-and-params wrapper.
    expect(error.cause).toMatchObject({ code: "ER_BAD_FIELD_ERROR" });
  });
});
