import { randomUUID } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import type { Chat } from "../../src/domain/chat.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { aChat, anOutcome, aTurn, steppingClock } from "./builders.js";

let database: TestDatabase;
let repository: ChatRepository;
const tick = steppingClock();

beforeAll(async () => {
  database = await createTestDatabase();
  repository = createMysqlChatRepository(database.db);
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
async function aStoredChat(overrides: Partial<Chat> = {}) {
  const now = tick();
  const chat = aChat({ createdAt: now, updatedAt: now, ...overrides });
  const turn = await repository.startTurn(aTurn(chat, { now }));
  await repository.finishReply(turn.reply.id, anOutcome({ now: tick() }));
  return { chat, turn };
}

describe("startTurn", () => {
  it("creates the chat and appends the user's message and an empty streaming reply", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const turn = aTurn(chat, { now });
    const started = await repository.startTurn(turn);

    expect(started.userMessage).toMatchObject({
      id: turn.userMessage.id,
      chatId: chat.id,
      seq: 1,
      role: "user",
    });
    expect(started.userMessage).toMatchObject({ content: "Hello there", tokenCount: 2, status: "complete" });
    expect(started.reply).toMatchObject({
      id: turn.replyId,
      seq: 2,
      role: "assistant",
      content: "",
      tokenCount: 0,
    });
    expect(started.reply).toMatchObject({
      status: "streaming",
      finishReason: null,
      usage: null,
      error: null,
    });
    expect(await repository.findChat(chat.userId, chat.id)).toEqual(chat);
    expect((await repository.listMessages(chat.id, 10, null)).items).toEqual([
      started.userMessage,
      started.reply,
    ]);
  });

  it("continues the sequence and bumps the chat's activity time", async () => {
    const { chat } = await aStoredChat();
    const later = tick();
    const next = await repository.startTurn(aTurn(chat, { createChat: false, now: later }));

    expect([next.userMessage.seq, next.reply.seq]).toEqual([3, 4]);
    expect((await repository.findChat(chat.userId, chat.id))?.updatedAt).toEqual(later);
  });

  it("reads back the newest history before the turn, up to the limit, newest first", async () => {
    const { chat, turn } = await aStoredChat();
    const first = await repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
    await repository.finishReply(first.reply.id, anOutcome());
    const third = await repository.startTurn(
      aTurn(chat, { createChat: false, now: tick(), historyLimit: 3 }),
    );

    expect(third.history.map((m) => m.seq)).toEqual([4, 3, 2]);
    expect(third.history[0]).toMatchObject({
      id: first.reply.id,
      content: "General Kenobi.",
      status: "complete",
    });
    expect(third.history[2]).toMatchObject({ id: turn.reply.id });
    expect(first.history.map((m) => m.seq)).toEqual([2, 1]);
    expect((await repository.startTurn(aTurn(aChat({ updatedAt: tick() })))).history).toEqual([]);
  });

  it("refuses a second turn while a reply is streaming, and writes nothing", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const first = await repository.startTurn(aTurn(chat, { now }));

    const second = repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
    await expect(second).rejects.toMatchObject({
      code: "reply.in_progress",
      details: { chatId: chat.id, replyId: first.reply.id },
    });
    expect(await messageCount(chat.id)).toBe(2);
    expect((await repository.findChat(chat.userId, chat.id))?.updatedAt).toEqual(now);
  });

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

  it("treats another user's chat as missing and writes nothing to it", async () => {
    const { chat } = await aStoredChat();
    const intruder = { ...chat, userId: "user-b" };
    await expect(
      repository.startTurn(aTurn(intruder, { createChat: false, now: tick() })),
    ).rejects.toMatchObject({
      code: "chat.not_found",
    });
    expect(await messageCount(chat.id)).toBe(2);
  });

  it("compares user ids exactly: a different case is a different user", async () => {
    const { chat } = await aStoredChat({ userId: "Alice" });
    expect(await repository.findChat("alice", chat.id)).toBeUndefined();
    expect(await repository.findChat("Alice", chat.id)).toEqual(chat);
  });
});

describe("text round-trips verbatim", () => {
  it.each([
    ["4-byte UTF-8 (emoji, CJK extension B)", "I 💚 MariaDB 🧑🏽‍💻 𠜎𠜱"],
    ["NUL and control characters", "before\u0000after\u0007\ttab\r\nline"],
    ["RTL marks and zero-width characters", "\u202Eשלום\u202C \u200Fمرحبا\u200E zero\u200Bwidth\uFEFF"],
    ["combining marks, unnormalised", "e\u0301 vs \u00E9, Å vs A\u030A"],
  ])("%s", async (_name, text) => {
    const now = tick();
    const chat = aChat({
      title: text,
      createdAt: now,
      updatedAt: now,
      userId: `whatsapp:+4915112345678 ${text}`,
    });
    const turn = await repository.startTurn(
      aTurn(chat, { now, userMessage: { id: randomUUID(), content: text, tokenCount: 9 } }),
    );
    await repository.finishReply(turn.reply.id, anOutcome({ content: text, error: text, now: tick() }));

    const [userMessage, reply] = (await repository.listMessages(chat.id, 10, null)).items;
    expect(userMessage?.content).toBe(text);
    expect(reply?.content).toBe(text);
    expect(reply?.error).toBe(text);
    expect((await repository.findChat(chat.userId, chat.id))?.title).toBe(text);
  });
});

describe("user scoping", () => {
  it("makes another user's chat and reply indistinguishable from missing ones", async () => {
    const { chat, turn } = await aStoredChat({ title: "Mine" });
    const other = "user-b";

    expect(await repository.findChat(other, chat.id)).toBeUndefined();
    expect(await repository.findReply(other, turn.reply.id)).toBeUndefined();
    expect(await repository.renameChat(other, chat.id, "Theirs", tick())).toBeUndefined();
    expect(await repository.deleteChat(other, chat.id)).toBe(false);
    expect((await repository.listChats(other, 100, null)).items.map((c) => c.id)).not.toContain(chat.id);

    expect(await repository.findChat(chat.userId, chat.id)).toEqual(chat);
    expect(await messageCount(chat.id)).toBe(2);
  });

  it("answers for missing ids the same way", async () => {
    expect(await repository.findChat("user-a", randomUUID())).toBeUndefined();
    expect(await repository.findReply("user-a", randomUUID())).toBeUndefined();
    expect(await repository.renameChat("user-a", randomUUID(), "x", tick())).toBeUndefined();
    expect(await repository.deleteChat("user-a", randomUUID())).toBe(false);
  });
});

describe("replies", () => {
  it("finds a reply with its owner, but not a user message", async () => {
    const { chat, turn } = await aStoredChat();
    expect(await repository.findReply(chat.userId, turn.reply.id)).toMatchObject({
      id: turn.reply.id,
      userId: chat.userId,
      chatId: chat.id,
      status: "complete",
    });
    expect(await repository.findReply(chat.userId, turn.userMessage.id)).toBeUndefined();
  });

  it("saves progress while streaming, and not after the reply ended", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const { reply } = await repository.startTurn(aTurn(chat, { now }));

    const saved = tick();
    await repository.saveReplyProgress(reply.id, "Gen", saved);
    expect(await repository.findReply(chat.userId, reply.id)).toMatchObject({
      content: "Gen",
      updatedAt: saved,
    });

    await repository.finishReply(reply.id, anOutcome({ content: "General", status: "stopped", now: tick() }));
    await repository.saveReplyProgress(reply.id, "General Kenobi, late", tick());
    expect(await repository.findReply(chat.userId, reply.id)).toMatchObject({
      content: "General",
      status: "stopped",
    });
  });

  it("ends a reply exactly once, storing the whole outcome", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const { reply } = await repository.startTurn(aTurn(chat, { now }));
    const outcome = anOutcome({ now: tick() });

    expect(await repository.finishReply(reply.id, outcome)).toBe(true);
    expect(
      await repository.finishReply(reply.id, anOutcome({ status: "failed", content: "", now: tick() })),
    ).toBe(false);
    expect(await repository.findReply(chat.userId, reply.id)).toEqual({
      ...reply,
      userId: chat.userId,
      content: outcome.content,
      tokenCount: outcome.tokenCount,
      status: "complete",
      finishReason: "stop",
      usage: outcome.usage,
      error: null,
      updatedAt: outcome.now,
    });
  });

  it("shortens an over-long error and finish reason rather than lose the ending", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const { reply } = await repository.startTurn(aTurn(chat, { now }));
    const outcome = anOutcome({
      status: "failed",
      error: "💥".repeat(600),
      finishReason: "x".repeat(40),
      usage: null,
    });

    expect(await repository.finishReply(reply.id, outcome)).toBe(true);
    const stored = await repository.findReply(chat.userId, reply.id);
    expect(stored?.error).toBe("💥".repeat(500));
    expect(stored?.finishReason).toBe("x".repeat(32));
    expect(stored?.usage).toBeNull();
  });

  it("returns false for a reply that does not exist", async () => {
    expect(await repository.finishReply(randomUUID(), anOutcome())).toBe(false);
  });
});

describe("renameChat and deleteChat", () => {
  it("renames, moving the chat's activity time", async () => {
    const { chat } = await aStoredChat();
    const later = tick();
    expect(await repository.renameChat(chat.userId, chat.id, "Renamed 🎉", later)).toEqual({
      ...chat,
      title: "Renamed 🎉",
      updatedAt: later,
    });
  });

  it("refuses a title longer than the column as an invalid argument", async () => {
    const { chat } = await aStoredChat();
    await expect(repository.renameChat(chat.userId, chat.id, "é".repeat(201), tick())).rejects.toMatchObject({
      code: "argument.invalid",
    });
  });

  it("deletes the chat with all its messages", async () => {
    const { chat } = await aStoredChat();
    await repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
    expect(await messageCount(chat.id)).toBe(4);

    expect(await repository.deleteChat(chat.userId, chat.id)).toBe(true);
    expect(await repository.findChat(chat.userId, chat.id)).toBeUndefined();
    expect(await messageCount(chat.id)).toBe(0);
    expect(await repository.deleteChat(chat.userId, chat.id)).toBe(false);
  });
});
