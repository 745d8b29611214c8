import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { noUsage } from "../../src/domain/usage.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import { aChat, anOutcome, aTurn, steppingClock } from "../support/chat-builders.js";
import { chatRepositoryContract } from "../support/chat-repository-contract.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

describe("the ChatRepository contract, on MySQL", () => {
  chatRepositoryContract(async () => {
    const database = await createTestDatabase();
    return {
      repository: createMysqlChatRepository(database, testUsageMeter),
      close: () => database.drop(),
    };
  });
});

// What only a real database shows: concurrent transactions and column limits.
let database: TestDatabase;
let repository: ChatRepository;
const tick = steppingClock();

beforeAll(async () => {
  database = await createTestDatabase();
  repository = createMysqlChatRepository(database, testUsageMeter);
});
afterAll(() => database.drop());

async function messageCount(chatId: string): Promise<number> {
  const [rows] = await database.pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM messages WHERE chat_id = ?",
    [chatId],
  );
  return Number(rows[0]?.["n"]);
}

/** A chat with one finished turn (seq 1 and 2). */
async function aStoredChat() {
  const now = tick();
  const chat = aChat({ createdAt: now, updatedAt: now });
  const turn = await repository.startTurn(aTurn(chat, { now }));
  await repository.finishReply(turn.reply.id, anOutcome({ now: tick() }));
  return { chat, turn };
}

describe("startTurn under concurrency", () => {
  it("lets exactly one of several concurrent sends to a chat through", async () => {
    const { chat } = await aStoredChat();
    const now = tick();
    const sends = Array.from({ length: 6 }, () =>
      repository.startTurn(aTurn(chat, { createChat: false, now })),
    );
    const results = await Promise.allSettled(sends);

    const won = results.filter((result) => result.status === "fulfilled");
    const refused = results.filter((result) => result.status === "rejected");
    expect(won).toHaveLength(1);
    expect(refused.map((result) => (result.reason as { code: string }).code)).toEqual(
      Array(5).fill("reply.in_progress"),
    );
    expect(await messageCount(chat.id)).toBe(4);
  });

  it("lets sends to different chats run side by side, new chats included", async () => {
    // Time-ordered ids, as production mints them: their index entries share the same last gap.
    const now = tick();
    const chats = Array.from({ length: 12 }, () => aChat({ createdAt: now, updatedAt: now }));
    chats.sort((a, b) => (a.id < b.id ? -1 : 1));
    const results = await Promise.allSettled(chats.map((chat) => repository.startTurn(aTurn(chat, { now }))));

    expect(results.filter((result) => result.status === "rejected")).toEqual([]);
  });
});

describe("column limits", () => {
  it("shortens an over-long error and finish reason rather than lose the ending", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const { reply } = await repository.startTurn(aTurn(chat, { now }));
    const outcome = anOutcome({
      status: "failed",
      error: "💥".repeat(600),
      finishReason: "x".repeat(40),
      usage: noUsage,
    });

    expect(await repository.finishReply(reply.id, outcome)).toBe(true);
    const stored = await repository.findReply(chat.userId, reply.id);
    expect(stored?.error).toBe("💥".repeat(500));
    expect(stored?.finishReason).toBe("x".repeat(32));
    expect(stored?.usage).toBeNull();
  });

  it("refuses a title longer than the column as an invalid argument", async () => {
    const { chat } = await aStoredChat();
    await expect(repository.renameChat(chat.userId, chat.id, "é".repeat(201), tick())).rejects.toMatchObject({
      code: "argument.invalid",
    });
  });
});
