// A turn's transaction runs on a session with autocommit off (turn-transactions.ts): no BEGIN round trip,
// the same atomicity and locking as before, and no connection ever left with a transaction open.
import { sql } from "drizzle-orm";
import { createPool, type Pool, type PoolConnection, type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { createTurnTransactions, type TurnTransaction } from "../../src/adapters/mysql/turn-transactions.js";
import { chats } from "../../src/adapters/mysql/schema.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import type { Chat } from "../../src/domain/chat.js";
import { aChat, anOutcome, aTurn } from "../support/chat-builders.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { testUsageMeter } from "../support/test-usage-meter.js";

/** The first keyword of each statement Drizzle sent. */
const sent: string[] = [];
let database: TestDatabase;
let repository: ChatRepository;

beforeAll(async () => {
  // One connection per pool: every turn runs on the same session, so what one leaves the next meets.
  database = await createTestDatabase({
    connectionLimit: 1,
    onQuery: (statement) => sent.push(/^\s*(\w+)/.exec(statement)?.[1]?.toLowerCase() ?? statement),
  });
  repository = createMysqlChatRepository(database, testUsageMeter);
});
afterAll(() => database?.drop());

/** A chat with one finished exchange, ready for the next turn. */
async function aFinishedChat(): Promise<Chat> {
  const chat = aChat();
  const started = await repository.startTurn(aTurn(chat));
  await repository.finishReply(started.reply.id, anOutcome({ userId: chat.userId }));
  return chat;
}

/** The turns' session: its thread id, read in a transaction of its own. */
async function turnSession(turns: TurnTransaction = database.turns): Promise<number> {
  return turns(async (tx) => {
    const [rows] = (await tx.execute(sql`select connection_id() as id`)) as unknown as [{ id: number }[]];
    return Number(rows[0]?.id);
  });
}

/** InnoDB transactions the session has open (read from another session). */
async function openTransactions(threadId: number): Promise<number> {
  const [rows] = await database.pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = ?",
    [threadId],
  );
  return Number(rows[0]?.n);
}

async function chatState(chatId: string) {
  const [rows] = await database.pool.query<RowDataPacket[]>(
    "SELECT (SELECT COUNT(*) FROM messages WHERE chat_id = ?) AS messages, updated_at AS updatedAt FROM chats WHERE id = ?",
    [chatId, chatId],
  );
  return rows[0];
}

describe("a turn's statements", () => {
  it("a new chat: its INSERT, the messages' INSERT and the COMMIT, no BEGIN", async () => {
    await turnSession(); // the session's one-off switch happens outside the counted turn
    sent.length = 0;
    await repository.startTurn(aTurn(aChat()));
    expect(sent).toEqual(["insert", "insert", "commit"]);
  });

  it("an existing chat: the lock, the read, the INSERT and the COMMIT, no BEGIN", async () => {
    const chat = await aFinishedChat();
    sent.length = 0;
    await repository.startTurn(aTurn(chat, { createChat: false, now: new Date("2025-01-03T00:00:00Z") }));
    expect(sent).toEqual(["update", "select", "insert", "commit"]);
  });
});

describe("a turn that fails in the middle", () => {
  const failures = {
    "the chat is missing": async () => ({
      chat: aChat(),
      turn: (chat: Chat) => aTurn(chat, { createChat: false }),
      code: "chat.not_found",
    }),
    "a reply is still streaming": async () => {
      const chat = aChat();
      await repository.startTurn(aTurn(chat));
      return { chat, turn: (c: Chat) => aTurn(c, { createChat: false }), code: "reply.in_progress" };
    },
    "the INSERT fails (a message id already taken)": async () => {
      const chat = aChat();
      const first = await repository.startTurn(aTurn(chat));
      await repository.finishReply(first.reply.id, anOutcome({ userId: chat.userId }));
      const taken = { id: first.reply.id, content: "again", tokenCount: 1 };
      return {
        chat,
        turn: (c: Chat) => aTurn(c, { createChat: false, userMessage: taken }),
        code: "storage.unavailable",
      };
    },
  };

  it.each(Object.entries(failures))(
    "%s: nothing written, the session left without a transaction, the next turn runs on it",
    async (_, setUp) => {
      const { chat, turn, code } = await setUp();
      const before = await chatState(chat.id);
      const session = await turnSession();

      const later = new Date("2025-02-01T00:00:00Z");
      await expect(repository.startTurn({ ...turn(chat), now: later })).rejects.toMatchObject({ code });

      expect(await chatState(chat.id)).toEqual(before); // no message, and the lock's UPDATE undone
      expect(await openTransactions(session)).toBe(0);
      const next = aChat();
      await repository.startTurn(aTurn(next));
      expect(await turnSession()).toBe(session); // rolled back, then lent again: not destroyed
      expect(await chatState(next.id)).toMatchObject({ messages: 2 });
      expect(await openTransactions(session)).toBe(0);
    },
  );
});

describe("two sends to one chat at once", () => {
  let wide: TestDatabase;
  beforeAll(async () => (wide = await createTestDatabase({ connectionLimit: 2 })));
  afterAll(() => wide?.drop());

  it("still run one after the other: exactly one starts, the other meets its streaming reply", async () => {
    const wideRepository = createMysqlChatRepository(wide, testUsageMeter);
    const chat = aChat();
    const first = await wideRepository.startTurn(aTurn(chat));
    await wideRepository.finishReply(first.reply.id, anOutcome({ userId: chat.userId }));

    const results = await Promise.allSettled([
      wideRepository.startTurn(aTurn(chat, { createChat: false })),
      wideRepository.startTurn(aTurn(chat, { createChat: false })),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({
      reason: { code: "reply.in_progress" },
    });
    const [rows] = await wide.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM messages WHERE chat_id = ?",
      [chat.id],
    );
    expect(Number(rows[0]?.n)).toBe(4);
  });
});

describe("a connection whose COMMIT or ROLLBACK fails", () => {
  let raw: Pool;
  /** The statement the server is made to refuse (as a failing COMMIT or ROLLBACK would be). */
  let refuse: string | null = null;
  let turns: TurnTransaction;

  beforeAll(() => {
    raw = createPool({ uri: database.url, connectionLimit: 1, timezone: "Z" });
    turns = createTurnTransactions(refusing(raw));
  });
  afterAll(() => raw?.end());

  /** `pool`, whose connections fail the statement `refuse` names, once. */
  function refusing(pool: Pool): Pool {
    const lend = async () => {
      const connection = await pool.getConnection();
      return new Proxy(connection, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key, target);
          if (key !== "query") return typeof value === "function" ? value.bind(target) : value;
          return (query: string | { sql: string }, ...rest: unknown[]) => {
            const text = typeof query === "string" ? query : query.sql;
            if (text === refuse) {
              refuse = null;
              return Promise.reject(new Error(`${text} refused`));
            }
            return target.query(query as string, ...(rest as []));
          };
        },
      }) as PoolConnection;
    };
    return new Proxy(pool, {
      get: (target, key) => (key === "getConnection" ? lend : (Reflect.get(target, key, target) as unknown)),
    });
  }

  it.each([
    ["commit", null],
    ["rollback", new Error("the work failed")],
  ] as const)(
    "%s: the connection is destroyed, not lent again, and nothing is kept",
    async (failing, workError) => {
      const session = await turnSession(turns);
      const chat = aChat();
      refuse = failing;
      await expect(
        turns(async (tx) => {
          await tx.insert(chats).values({ ...chat, instructions: null });
          if (workError) throw workError;
        }),
      ).rejects.toThrow(workError ?? "Failed query: commit"); // the work's error outlives a failed ROLLBACK

      expect(await turnSession(turns)).not.toBe(session); // a new connection
      expect(await chatState(chat.id)).toBeUndefined();
    },
  );
});

describe("the turns' pool keeps the main pool's bounds", () => {
  let bounded: TestDatabase;
  const warnings: unknown[] = [];
  beforeAll(
    async () =>
      (bounded = await createTestDatabase({
        connectionLimit: 1,
        queueLimit: 1,
        acquireTimeoutMs: 200,
        queryTimeoutMs: 400,
        logger: { warn: (message, fields) => void warnings.push({ message, fields }) },
      })),
  );
  afterAll(() => bounded?.drop());

  it("a busy pool refuses turns with storage.unavailable; a statement past the timeout ends its connection", async () => {
    const boundedRepository = createMysqlChatRepository(bounded, testUsageMeter);
    const holder = await turnSession(bounded.turns);
    // Its one connection held by a statement that outlives the query timeout.
    const stuck = bounded.turns((tx) => tx.execute(sql`select sleep(2)`));

    const refused = await Promise.allSettled([1, 2].map(() => boundedRepository.startTurn(aTurn(aChat()))));
    expect(refused.map((result) => result.status === "rejected" && result.reason)).toEqual([
      expect.objectContaining({ code: "storage.unavailable" }), // waited 200 ms
      expect.objectContaining({ code: "storage.unavailable" }), // past the queue limit at once
    ]);
    expect(warnings.map((warning) => (warning as { fields: { kind: string } }).fields.kind).sort()).toEqual([
      "queue-full",
      "wait-timeout",
    ]);
    await expect(stuck).rejects.toMatchObject({ cause: { code: "PROTOCOL_SEQUENCE_TIMEOUT" } });

    // The timed-out connection was destroyed, not lent again with its statement (or a transaction) open.
    const chat = aChat();
    await boundedRepository.startTurn(aTurn(chat));
    expect(await turnSession(bounded.turns)).not.toBe(holder);
  });
});
