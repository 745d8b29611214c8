import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import type { Message } from "../../src/domain/chat.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { aChat, aTurn } from "../support/chat-builders.js";

const messageCount = 3_000;
let database: TestDatabase;
let repository: ChatRepository;
let chatId: string;
/** Statements that read `messages`, as sent to the server. */
let messageReads: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase({
    onQuery: (sql) => {
      if (/\bfrom `messages`/i.test(sql)) messageReads.push(sql);
    },
  });
  repository = createMysqlChatRepository(database, testUsageMeter);

  const now = new Date("2025-01-01T00:00:00.000Z");
  const chat = aChat({ createdAt: now, updatedAt: now });
  const turn = await repository.startTurn(aTurn(chat, { now }));
  chatId = chat.id;
  // The rest of a long chat in one multi-row INSERT: thousands of startTurn calls would be slow.
  // Each message follows the one before it (one path).
  let previous = turn.reply.id;
  const rows = Array.from({ length: messageCount - 2 }, (_, index) => {
    const seq = index + 3;
    const role = seq % 2 === 1 ? "user" : "assistant";
    const id = randomUUID();
    const row = [id, chat.id, seq, previous, seq, role, `message ${seq}`, 3, "complete", now, now];
    previous = id;
    return row;
  });
  await database.pool.query(
    "INSERT INTO messages (id, chat_id, seq, parent_id, depth, role, content, token_count, status, created_at, updated_at) VALUES ?",
    [rows],
  );
});
afterAll(() => database.drop());
beforeEach(() => {
  messageReads = [];
});

async function take(iterable: AsyncIterable<Message>, count: number): Promise<Message[]> {
  const taken: Message[] = [];
  for await (const message of iterable) {
    taken.push(message);
    if (taken.length === count) break;
  }
  return taken;
}

describe("messagesNewestFirst", () => {
  it("reads only the pages the consumer asks for, then stops", async () => {
    const taken = await take(repository.messagesNewestFirst(chatId, messageCount + 1, 10), 25);

    expect(taken.map((message) => message.seq)).toEqual(
      Array.from({ length: 25 }, (_, index) => messageCount - index),
    );
    // 25 messages in pages of 10: three pages, and nothing read after the consumer broke off. A statement
    // sent through Drizzle after the break comes after any read the repository had already started.
    await database.db.execute(sql`select count(*) from \`messages\``);
    expect(messageReads).toHaveLength(4);
    expect(messageReads.at(-1)).toBe("select count(*) from `messages`");
  });

  it("starts before the given seq", async () => {
    const [first] = await take(repository.messagesNewestFirst(chatId, 100, 10), 1);
    expect(first?.seq).toBe(99);
    expect(messageReads).toHaveLength(1);
  });

  it("walks the whole chat, newest first, when the consumer wants it all", async () => {
    const seqs: number[] = [];
    for await (const message of repository.messagesNewestFirst(chatId, messageCount + 1, 500))
      seqs.push(message.seq);

    expect(seqs).toEqual(Array.from({ length: messageCount }, (_, index) => messageCount - index));
    // Six full pages, then one empty read to learn that the chat has ended.
    expect(messageReads).toHaveLength(7);
  });

  it("returns full domain messages", async () => {
    const [reply, userMessage] = await take(repository.messagesNewestFirst(chatId, 3, 10), 2);
    expect(userMessage).toMatchObject({ seq: 1, role: "user", content: "Hello there", status: "complete" });
    expect(reply).toMatchObject({ seq: 2, role: "assistant", status: "streaming", chatId, usage: null });
  });

  it("reads through the (chat_id, seq) index, not the table", async () => {
    const [plan] = await database.pool.query<RowDataPacket[]>(
      "EXPLAIN SELECT * FROM messages WHERE chat_id = ? AND seq < ? ORDER BY seq DESC LIMIT 10",
      [chatId, 2000],
    );
    expect(plan[0]).toMatchObject({ key: "messages_chat_seq_uq" });
    expect(plan[0]?.["Extra"]).not.toMatch(/filesort/i);
  });

  it("yields nothing for an unknown chat", async () => {
    expect(await take(repository.messagesNewestFirst(randomUUID(), 10, 10), 10)).toEqual([]);
  });
});
