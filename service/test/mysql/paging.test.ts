import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import type { ChatRepository, Page } from "../../src/application/chats/chat-repository.js";
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

/** Follows cursors until the last page, returning every page. */
async function allPages<T>(read: (cursor: string | null) => Promise<Page<T>>): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await read(cursor);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

async function storeChat(userId: string, updatedAt: Date): Promise<Chat> {
  const chat = aChat({ userId, createdAt: updatedAt, updatedAt });
  const { reply } = await repository.startTurn(aTurn(chat, { now: updatedAt }));
  // Ending a reply is not activity: the chat keeps its place in the list.
  await repository.finishReply(reply.id, anOutcome({ now: tick() }));
  return chat;
}

describe("listChats", () => {
  it("pages a user's chats by newest activity, ties broken by id, without gaps or repeats", async () => {
    const userId = `pager-${randomUUID()}`;
    const sameTime = tick();
    const chats = [
      await storeChat(userId, tick()),
      await storeChat(userId, sameTime),
      await storeChat(userId, sameTime),
      await storeChat(userId, sameTime),
      await storeChat(userId, tick()),
    ];
    await storeChat(`someone-else-${randomUUID()}`, tick());
    const expected = [...chats].sort(
      (a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );

    const pages = await allPages((cursor) => repository.listChats(userId, 2, cursor));

    expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((page) => page.items)).toEqual(expected);
    expect(pages.at(-1)?.nextCursor).toBeNull();
  });

  it("returns no cursor when the page is not full, and an empty page for a user with no chats", async () => {
    const userId = `few-${randomUUID()}`;
    await storeChat(userId, tick());
    expect((await repository.listChats(userId, 5, null)).nextCursor).toBeNull();
    expect(await repository.listChats(`nobody-${randomUUID()}`, 5, null)).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("puts a chat that gets a new turn back on top", async () => {
    const userId = `active-${randomUUID()}`;
    const older = await storeChat(userId, tick());
    await storeChat(userId, tick());
    await repository.startTurn(aTurn(older, { createChat: false, now: tick() }));

    expect((await repository.listChats(userId, 1, null)).items[0]?.id).toBe(older.id);
  });
});

describe("listMessages", () => {
  it("starts with the latest page, in conversation order, and leads to older pages", async () => {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    const texts: string[] = [];
    for (let turn = 0; turn < 4; turn++) {
      const text = `question ${turn}`;
      texts.push(text, `answer ${turn}`);
      const started = await repository.startTurn(
        aTurn(chat, {
          createChat: turn === 0,
          now: tick(),
          userMessage: { id: randomUUID(), content: text, tokenCount: 2 },
        }),
      );
      await repository.finishReply(started.reply.id, anOutcome({ content: `answer ${turn}`, now: tick() }));
    }

    const pages = await allPages((cursor) => repository.listMessages(chat.id, 3, cursor));

    expect(pages.map((page) => page.items.map((message) => message.seq))).toEqual([
      [6, 7, 8],
      [3, 4, 5],
      [1, 2],
    ]);
    expect(pages.reverse().flatMap((page) => page.items.map((message) => message.content))).toEqual(texts);
  });

  it("gives an empty page for a chat without messages", async () => {
    expect(await repository.listMessages(randomUUID(), 10, null)).toEqual({ items: [], nextCursor: null });
  });
});

describe("cursors and limits", () => {
  const chatCursorFrom = async () => {
    const userId = `cursor-${randomUUID()}`;
    await storeChat(userId, tick());
    await storeChat(userId, tick());
    return { userId, cursor: (await repository.listChats(userId, 1, null)).nextCursor };
  };

  it.each([
    ["not base64url", "%%%"],
    ["empty", ""],
    ["base64url of nonsense", Buffer.from("hello").toString("base64url")],
    ["a chat cursor with a non-numeric time", Buffer.from("c1:abc:x").toString("base64url")],
    ["absurdly long", "A".repeat(10_000)],
  ])("refuses a cursor that is %s as an invalid argument", async (_name, cursor) => {
    await expect(repository.listChats("user-a", 10, cursor)).rejects.toMatchObject({
      code: "argument.invalid",
    });
    await expect(repository.listMessages(randomUUID(), 10, cursor)).rejects.toMatchObject({
      code: "argument.invalid",
    });
  });

  it("does not take a chat cursor for a message cursor", async () => {
    const { cursor } = await chatCursorFrom();
    expect(cursor).not.toBeNull();
    await expect(repository.listMessages(randomUUID(), 10, cursor)).rejects.toMatchObject({
      code: "argument.invalid",
    });
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a page size of %s", async (limit) => {
    await expect(repository.listChats("user-a", limit, null)).rejects.toMatchObject({
      code: "argument.invalid",
    });
    await expect(repository.listMessages(randomUUID(), limit, null)).rejects.toMatchObject({
      code: "argument.invalid",
    });
  });
});
