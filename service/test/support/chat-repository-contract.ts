/**
 * The ChatRepository contract: what every implementation of the port must do, run against each of them
 * (the MySQL adapter in test/mysql/, the in-memory fake in test/support/). Implementation details (SQL,
 * column limits, concurrency under real transactions) are tested beside each implementation instead.
 *
 * `open()` gives a fresh, empty repository; tests share one and keep apart by fresh ids, except the
 * start-up sweep, which touches every chat and opens its own.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatRepository, NewTurn, Page } from "../../src/application/chats/chat-repository.js";
import { maxVersionsPerMessage } from "../../src/domain/message-tree.js";
import type { Chat, Message } from "../../src/domain/chat.js";
import { aChat, anOutcome, aTurn, steppingClock, testOwner, saveOneProgress } from "./chat-builders.js";

export interface OpenedRepository {
  repository: ChatRepository;
  close(): Promise<void>;
}

export function chatRepositoryContract(open: () => Promise<OpenedRepository>): void {
  let opened: OpenedRepository;
  let repository: ChatRepository;
  const tick = steppingClock();

  beforeAll(async () => {
    opened = await open();
    repository = opened.repository;
  });
  afterAll(() => opened?.close());

  /** How many messages a chat has, read through the port. */
  async function messageCount(chatId: string): Promise<number> {
    return (await repository.listMessages(chatId, 1_000, null)).items.length;
  }

  /** A chat with one finished turn (seq 1 and 2). */
  async function aStoredChat(overrides: Partial<Chat> = {}) {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now, ...overrides });
    const turn = await repository.startTurn(aTurn(chat, { now }));
    await repository.finishReply(turn.reply.id, anOutcome({ now: tick() }));
    return { chat, turn };
  }

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

  /** A chat of `turns` finished turns (seq 1 … 2 × turns). */
  async function aLongChat(turns: number) {
    const now = tick();
    const chat = aChat({ createdAt: now, updatedAt: now });
    for (let turn = 0; turn < turns; turn++) {
      const started = await repository.startTurn(aTurn(chat, { createChat: turn === 0, now: tick() }));
      await repository.finishReply(started.reply.id, anOutcome({ now: tick() }));
    }
    return chat;
  }

  async function all(messages: AsyncIterable<Message>): Promise<number[]> {
    const seqs: number[] = [];
    for await (const message of messages) seqs.push(message.seq);
    return seqs;
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
      expect(started.userMessage).toMatchObject({
        content: "Hello there",
        tokenCount: 2,
        status: "complete",
      });
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

    it("tells `onChecked` the prompt's part once the checks passed, within the turn", async () => {
      const { chat } = await aStoredChat();
      const checked: { history: number[]; historyFrom: string | null; model: string }[] = [];
      const started = await repository.startTurn(
        aTurn(chat, {
          createChat: false,
          now: tick(),
          onChecked: (seen) =>
            void checked.push({
              history: seen.history.map((m) => m.seq),
              historyFrom: seen.historyFrom,
              model: seen.chat.model,
            }),
        }),
      );
      // (That it comes before the rows are written: test/integration/early-model-call.test.ts.)
      expect(checked).toEqual([{ history: [2, 1], historyFrom: null, model: chat.model }]);
      expect(started.history.map((m) => m.seq)).toEqual([2, 1]);
    });

    it("never calls `onChecked` for a refused turn", async () => {
      const now = tick();
      const chat = aChat({ createdAt: now, updatedAt: now });
      await repository.startTurn(aTurn(chat, { now }));
      let calls = 0;
      const refused = repository.startTurn(
        aTurn(chat, { createChat: false, now: tick(), onChecked: () => void calls++ }),
      );
      await expect(refused).rejects.toMatchObject({ code: "reply.in_progress" });
      const limited = repository.startTurn(
        aTurn(aChat({ userId: chat.userId }), {
          now: tick(),
          maxLiveReplies: 1,
          onChecked: () => void calls++,
        }),
      );
      await expect(limited).rejects.toMatchObject({ code: "limit.concurrent_replies" });
      expect(calls).toBe(0);
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

    it("refuses a turn at the user's live-reply limit, writing nothing; a reply's end frees a slot", async () => {
      const userId = `limited-${randomUUID()}`;
      const aUsersChat = () => aChat({ userId, createdAt: tick(), updatedAt: tick() });
      const limited = { maxLiveReplies: 2 };
      const first = await repository.startTurn(aTurn(aUsersChat(), { ...limited, now: tick() }));
      await repository.startTurn(aTurn(aUsersChat(), { ...limited, now: tick() }));
      const third = aUsersChat();
      await expect(repository.startTurn(aTurn(third, { ...limited, now: tick() }))).rejects.toMatchObject({
        code: "limit.concurrent_replies",
        details: { limit: 2 },
      });
      expect(await repository.findChat(userId, third.id)).toBeUndefined();
      // Another user is not counted; no limit (0) counts nothing.
      const someoneElse = aChat({ userId: `other-${randomUUID()}`, updatedAt: tick() });
      await repository.startTurn(aTurn(someoneElse, { ...limited, now: tick() }));
      await repository.startTurn(aTurn(aUsersChat(), { maxLiveReplies: 0, now: tick() }));
      await repository.finishReply(first.reply.id, anOutcome({ now: tick() }));
      await expect(
        repository.startTurn(aTurn(aUsersChat(), { maxLiveReplies: 3, now: tick() })),
      ).resolves.toBeDefined();
    });

    it("refuses a turn on a chat that does not exist", async () => {
      const chat = aChat({ updatedAt: tick() });
      await expect(repository.startTurn(aTurn(chat, { createChat: false }))).rejects.toMatchObject({
        code: "chat.not_found",
      });
      expect(await repository.findChat(chat.userId, chat.id)).toBeUndefined();
    });
  });

  describe("findChat", () => {
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
      expect(await saveOneProgress(repository, reply.id, testOwner, "Gen", saved)).toBe(true);
      expect(await repository.findReply(chat.userId, reply.id)).toMatchObject({
        content: "Gen",
        updatedAt: saved,
      });

      await repository.finishReply(
        reply.id,
        anOutcome({ content: "General", status: "stopped", now: tick() }),
      );
      expect(await saveOneProgress(repository, reply.id, testOwner, "General Kenobi, late", tick())).toBe(
        false,
      );
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
        owner: null,
        content: outcome.content,
        tokenCount: outcome.tokenCount,
        status: "complete",
        finishReason: "stop",
        // What a Message reads back is the provider's figure (an estimate would read as null).
        usage: { promptTokens: 12, completionTokens: 4, totalTokens: 16 },
        error: null,
        updatedAt: outcome.now,
      });
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
        titleSource: "user",
        updatedAt: later,
      });
    });

    it("sets a chat's model, for its own user only", async () => {
      const { chat } = await aStoredChat();
      const later = tick();
      expect(await repository.setChatModel(chat.userId, chat.id, "gpt-4", later)).toEqual({
        ...chat,
        model: "gpt-4",
        updatedAt: later,
      });
      expect(await repository.setChatModel("someone-else", chat.id, "gpt-4o", tick())).toBeUndefined();
      expect(await repository.setChatModel(chat.userId, randomUUID(), "gpt-4o", tick())).toBeUndefined();
      expect((await repository.findChat(chat.userId, chat.id))?.model).toBe("gpt-4");
    });

    it("keeps the encoding a turn's token counts are in", async () => {
      const chat = aChat();
      const turn = { ...aTurn(chat), tokenEncoding: "cl100k_base" };
      const started = await repository.startTurn(turn);
      expect([started.userMessage.tokenEncoding, started.reply.tokenEncoding]).toEqual([
        "cl100k_base",
        "cl100k_base",
      ]);
      const stored = [];
      for await (const message of repository.messagesNewestFirst(chat.id, 10, 10)) stored.push(message);
      expect(stored.map((m) => m.tokenEncoding)).toEqual(["cl100k_base", "cl100k_base"]);
    });

    it("moves a chat to another model within a turn, counting its message for the model the turn read", async () => {
      const { chat } = await aStoredChat();
      const seen: string[] = [];
      const turn = await repository.startTurn({
        ...aTurn(chat, { createChat: false, now: tick() }),
        chatModel: "other-model",
        countFor: (read) => {
          seen.push(read.model);
          return { tokenCount: 42, tokenEncoding: "cl100k_base" };
        },
      });
      expect(seen).toEqual(["other-model"]);
      expect(turn.chat.model).toBe("other-model");
      expect([turn.userMessage.tokenCount, turn.userMessage.tokenEncoding]).toEqual([42, "cl100k_base"]);
      expect(turn.reply.tokenEncoding).toBe("cl100k_base");
      expect((await repository.findChat(chat.userId, chat.id))?.model).toBe("other-model");
    });

    it("sets and clears a chat's own instructions, for its owner only", async () => {
      const { chat } = await aStoredChat();
      const later = tick();
      const first = await repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
      expect(first.chat).toEqual({
        instructions: null,
        instructionsTokens: null,
        titleSource: "first_message",
        model: chat.model,
        title: chat.title,
        createdAt: chat.createdAt,
      });
      await repository.finishReply(first.reply.id, anOutcome({ userId: chat.userId }));
      const instructions = { text: "Answer in French.", tokens: 4 };
      expect(
        await repository.setChatInstructions("someone-else", chat.id, instructions, later),
      ).toBeUndefined();
      expect(await repository.setChatInstructions(chat.userId, chat.id, instructions, later)).toEqual({
        ...chat,
        instructions: "Answer in French.",
        instructionsTokens: 4,
        updatedAt: later,
      });
      const turn = await repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
      expect(turn.chat).toEqual({
        instructions: "Answer in French.",
        instructionsTokens: 4,
        titleSource: "first_message",
        model: chat.model,
        title: chat.title,
        createdAt: chat.createdAt,
      });
      await repository.setChatInstructions(chat.userId, chat.id, null, tick());
      expect(await repository.findChat(chat.userId, chat.id)).toMatchObject({
        instructions: null,
        instructionsTokens: null,
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
      // Lists leave the instructions' text out (GetChat reads it).
      const listed = expected.map(({ instructions: _, ...rest }) => rest);
      expect(pages.flatMap((page) => page.items)).toEqual(listed);
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

    it("keeps a cursor's place when newer messages arrive between pages", async () => {
      const chat = await aLongChat(3);
      const first = await repository.listMessages(chat.id, 2, null);
      await repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
      const second = await repository.listMessages(chat.id, 2, first.nextCursor);

      expect(first.items.map((message) => message.seq)).toEqual([5, 6]);
      expect(second.items.map((message) => message.seq)).toEqual([3, 4]);
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

  describe("messagesNewestFirst", () => {
    it.each([1, 2, 3, 7, 500])(
      "walks the chat newest first in pages of %s, the same whatever the page",
      async (size) => {
        const chat = await aLongChat(3);
        expect(await all(repository.messagesNewestFirst(chat.id, 7, size))).toEqual([6, 5, 4, 3, 2, 1]);
        expect(await all(repository.messagesNewestFirst(chat.id, 3, size))).toEqual([2, 1]);
        expect(await all(repository.messagesNewestFirst(chat.id, 1, size))).toEqual([]);
      },
    );

    it.each([0, -1, 1.5, Number.NaN])("refuses a page size of %s", async (size) => {
      await expect(all(repository.messagesNewestFirst(randomUUID(), 10, size))).rejects.toMatchObject({
        code: "argument.invalid",
      });
    });
  });

  describe("ownership leases", () => {
    let own: OpenedRepository;
    // Its own repository: the sweep touches every chat, so no other test's replies may be in it.
    beforeAll(async () => {
      own = await open();
    });
    afterAll(() => own?.close());

    const at = (iso: string) => new Date(`2025-01-01T00:00:${iso}.000Z`);
    const leaseOf = (owner: string, until: string) => ({ owner, expiresAt: at(until) });

    it("finds a chat's live reply with its owner, only for the chat's user, and none once it ended", async () => {
      const chat = aChat({ userId: "dora" });
      const turn = await own.repository.startTurn(aTurn(chat, { lease: leaseOf("owner-a", "10") }));
      expect(await own.repository.findLiveReply("dora", chat.id)).toMatchObject({
        id: turn.reply.id,
        status: "streaming",
        owner: "owner-a",
      });
      expect(await own.repository.findReply("dora", turn.reply.id)).toMatchObject({ owner: "owner-a" });
      expect(await own.repository.findLiveReply("eve", chat.id)).toBeUndefined();
      await own.repository.finishReply(turn.reply.id, anOutcome({ owner: "owner-a" }));
      expect(await own.repository.findLiveReply("dora", chat.id)).toBeUndefined();
      expect(await own.repository.findReply("dora", turn.reply.id)).toMatchObject({ owner: null });
    });

    it("concurrent sweepers end each expired reply once, between them", async () => {
      const turns = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          own.repository.startTurn(aTurn(aChat({ userId: `sweep-${i}` }), { lease: leaseOf("gone", "01") })),
        ),
      );
      const sweeps = await Promise.all([1, 2, 3].map(() => own.repository.endExpiredLeases(at("02"))));
      const ended = sweeps.flat().map((row) => row.id);
      expect(ended.sort()).toEqual(turns.map((turn) => turn.reply.id).sort());
    });

    it("only the owner writes a live reply; another's writes change nothing and say so", async () => {
      const chat = aChat({ userId: "fenced" });
      const { reply } = await own.repository.startTurn(aTurn(chat, { lease: leaseOf("owner-a", "30") }));
      expect(await saveOneProgress(own.repository, reply.id, "owner-b", "intruder", at("01"))).toBe(false);
      expect(await own.repository.finishReply(reply.id, anOutcome({ owner: "owner-b" }))).toBe(false);
      expect(await saveOneProgress(own.repository, reply.id, "owner-a", "mine", at("02"))).toBe(true);
      expect(await own.repository.findReply("fenced", reply.id)).toMatchObject({
        status: "streaming",
        content: "mine",
      });
      expect(await own.repository.finishReply(reply.id, anOutcome({ owner: "owner-a" }))).toBe(true);
    });

    it("the sweeper ends only expired leases, keeping the saved text; renewed ones live on", async () => {
      const crashed = await own.repository.startTurn(
        aTurn(aChat({ userId: "alice" }), { lease: leaseOf("gone", "10") }),
      );
      await saveOneProgress(own.repository, crashed.reply.id, "gone", "half an ans", at("05"));
      const renewed = await own.repository.startTurn(
        aTurn(aChat({ userId: "bob" }), { lease: leaseOf("alive", "10") }),
      );
      const finished = await own.repository.startTurn(
        aTurn(aChat({ userId: "carol" }), { lease: leaseOf("alive", "10") }),
      );
      await own.repository.finishReply(finished.reply.id, anOutcome({ owner: "alive" }));

      expect(await own.repository.renewLeases("alive", [renewed.reply.id, finished.reply.id], at("40"))).toBe(
        1,
      ); // the finished one has no lease
      expect(await own.repository.endExpiredLeases(at("20"))).toEqual([
        { id: crashed.reply.id, content: "half an ans" },
      ]);
      expect(await own.repository.findReply("alice", crashed.reply.id)).toMatchObject({
        status: "interrupted",
        content: "half an ans",
        error: "the service stopped while answering",
        updatedAt: at("20"),
      });
      expect(await own.repository.findReply("bob", renewed.reply.id)).toMatchObject({ status: "streaming" });
      expect(await own.repository.findReply("carol", finished.reply.id)).toMatchObject({
        status: "complete",
        error: null,
      });

      // The late owner's writes are refused: the sweeper's decision stands.
      expect(await saveOneProgress(own.repository, crashed.reply.id, "gone", "more", at("21"))).toBe(false);
      expect(await own.repository.finishReply(crashed.reply.id, anOutcome({ owner: "gone" }))).toBe(false);
      expect(await own.repository.renewLeases("gone", [crashed.reply.id], at("50"))).toBe(0);
      expect(await own.repository.findReply("alice", crashed.reply.id)).toMatchObject({
        status: "interrupted",
        content: "half an ans",
      });
      // The swept chat takes a new turn; the next sweep finds nothing until that lease runs out too.
      const next = await own.repository.startTurn(
        aTurn(aChat({ id: crashed.userMessage.chatId, userId: "alice" }), {
          createChat: false,
          lease: leaseOf("new-owner", "30"),
        }),
      );
      expect(next.userMessage.seq).toBe(3);
      expect(await own.repository.endExpiredLeases(at("25"))).toEqual([]);
      // bob's (renewed to 40) and the new one
      const ended = await own.repository.endExpiredLeases(at("45"));
      expect(ended.map((row) => row.id).sort()).toEqual([renewed.reply.id, next.reply.id].sort());
    });
  });

  describe("the message tree", () => {
    /** A chat of `turns` finished turns, one path; returns its messages oldest first. */
    async function aLine(turns: number) {
      const { chat, turn } = await aStoredChat();
      const line = [turn.userMessage, turn.reply];
      for (let i = 1; i < turns; i++) {
        const next = await repository.startTurn(aTurn(chat, { createChat: false, now: tick() }));
        await repository.finishReply(next.reply.id, anOutcome({ now: tick() }));
        line.push(next.userMessage, next.reply);
      }
      return { chat, line };
    }
    const ids = (messages: readonly Pick<Message, "id">[]) => messages.map((m) => m.id);
    /** The whole path a turn's history stands for: what it read, then the rest from `historyFrom`. */
    async function wholeHistory(chatId: string, started: { history: Message[]; historyFrom: string | null }) {
      const rest: Message[] = [];
      if (started.historyFrom !== null) {
        for await (const m of repository.pathNewestFirst(chatId, started.historyFrom, 2)) rest.push(m);
      }
      return ids([...started.history, ...rest]);
    }
    async function finish(started: { reply: Message }) {
      await repository.finishReply(started.reply.id, anOutcome({ now: tick() }));
    }

    it("links every message of a straight chat to the one before it, at its depth", async () => {
      const { chat, line } = await aLine(3);
      const stored = (await repository.listMessages(chat.id, 10, null)).items;
      expect(stored.map((m) => [m.parentId, m.depth])).toEqual(
        line.map((m, i) => [line[i - 1]?.id ?? null, i + 1]),
      );
      const path = await repository.listPath(chat.id, null, 10, null);
      expect(path?.leafId).toBe(line.at(-1)?.id);
      expect(path?.items.map((m) => [m.id, m.siblings])).toEqual(
        line.map((m) => [m.id, { count: 1, index: 0, previousId: null, nextId: null }]),
      );
    });

    it("puts an edited message beside the old one, with its reply as the new active leaf", async () => {
      const { chat, line } = await aLine(2); // u1 a1 u2 a2
      const [u1, a1, u2, a2] = line as [Message, Message, Message, Message];
      const edit = await repository.startTurn(
        aTurn(chat, { createChat: false, now: tick(), place: { kind: "branch", parentId: a1.id } }),
      );
      expect(edit.userMessage).toMatchObject({ parentId: a1.id, depth: 3, seq: 5 });
      expect(edit.reply).toMatchObject({ parentId: edit.userMessage.id, depth: 4, seq: 6 });
      expect(await wholeHistory(chat.id, edit)).toEqual([a1.id, u1.id]);
      await finish(edit);

      const active = await repository.listPath(chat.id, null, 10, null);
      expect(active?.leafId).toBe(edit.reply.id);
      expect(ids(active?.items ?? [])).toEqual([u1.id, a1.id, edit.userMessage.id, edit.reply.id]);
      expect(active?.items[2]?.siblings).toEqual({ count: 2, index: 1, previousId: u2.id, nextId: null });
      const old = await repository.listPath(chat.id, a2.id, 10, null);
      expect(ids(old?.items ?? [])).toEqual([u1.id, a1.id, u2.id, a2.id]);
      expect(old?.items[2]?.siblings).toEqual({
        count: 2,
        index: 0,
        previousId: null,
        nextId: edit.userMessage.id,
      });
    });

    it("answers a stored user message again beside its reply, without a new user message", async () => {
      const { chat, line } = await aLine(2);
      const [u1, a1, u2, a2] = line as [Message, Message, Message, Message];
      const again = await repository.startTurn(
        aTurn(chat, { createChat: false, now: tick(), place: { kind: "answer", userMessage: u2 } }),
      );
      expect(again.userMessage.id).toBe(u2.id);
      expect(again.reply).toMatchObject({ parentId: u2.id, depth: 4, seq: 5 });
      expect(await wholeHistory(chat.id, again)).toEqual([a1.id, u1.id]);
      expect(await messageCount(chat.id)).toBe(5);
      await finish(again);
      const active = await repository.listPath(chat.id, null, 10, null);
      expect(ids(active?.items ?? [])).toEqual([u1.id, a1.id, u2.id, again.reply.id]);
      expect(active?.items[3]?.siblings).toEqual({ count: 2, index: 1, previousId: a2.id, nextId: null });
    });

    it("switches to the newest leaf under a message, and the next turn continues that branch", async () => {
      const { chat, line } = await aLine(2);
      const [u1, a1, u2, a2] = line as [Message, Message, Message, Message];
      const edit = await repository.startTurn(
        aTurn(chat, { createChat: false, now: tick(), place: { kind: "branch", parentId: a1.id } }),
      );
      await finish(edit);

      expect(await repository.setActiveBranch(chat.userId, chat.id, u2.id)).toEqual({ leafId: a2.id });
      expect((await repository.listPath(chat.id, null, 10, null))?.leafId).toBe(a2.id);
      // A small history limit: the newest messages written (the other branch) do not hold the path.
      const next = await repository.startTurn(
        aTurn(chat, { createChat: false, now: tick(), historyLimit: 2 }),
      );
      expect(next.userMessage).toMatchObject({ parentId: a2.id, depth: 5 });
      expect(await wholeHistory(chat.id, next)).toEqual([a2.id, u2.id, a1.id, u1.id]);
      await finish(next);
      const active = await repository.listPath(chat.id, null, 10, null);
      expect(active?.leafId).toBe(next.reply.id);

      // Back to the edited branch: its newest leaf; to the root: the newest child at every step.
      expect(await repository.setActiveBranch(chat.userId, chat.id, edit.userMessage.id)).toEqual({
        leafId: edit.reply.id,
      });
      expect(await repository.setActiveBranch(chat.userId, chat.id, u1.id)).toEqual({
        leafId: edit.reply.id,
      });
      expect(await repository.setActiveBranch(chat.userId, chat.id, a2.id)).toEqual({
        leafId: next.reply.id,
      });
    });

    it("pages a path from its leaf back to its root, skipping other branches", async () => {
      const { chat, line } = await aLine(3);
      const [u1, a1, u2, a2] = line as [Message, Message, Message, Message];
      const edit = await repository.startTurn(
        aTurn(chat, { createChat: false, now: tick(), place: { kind: "branch", parentId: a1.id } }),
      );
      await finish(edit);
      const pages = await allPages(
        (cursor) => repository.listPath(chat.id, null, 3, cursor) as Promise<Page<Message>>,
      );
      expect(pages.map((page) => ids(page.items))).toEqual([
        [a1.id, edit.userMessage.id, edit.reply.id],
        [u1.id],
      ]);
      const walked: string[] = [];
      for await (const m of repository.pathNewestFirst(chat.id, line.at(-1)!.id, 2)) walked.push(m.id);
      expect(walked).toEqual(ids(line).toReversed());
      expect(ids((await repository.listPath(chat.id, a2.id, 2, null))?.items ?? [])).toEqual([u2.id, a2.id]);
    });

    it(`keeps at most ${maxVersionsPerMessage} versions of a message, refusing the next and writing nothing`, async () => {
      const { chat, line } = await aLine(1);
      const [u1] = line as [Message, Message];
      for (let i = 1; i < maxVersionsPerMessage; i++) {
        const place = { kind: "answer" as const, userMessage: u1 };
        await finish(await repository.startTurn(aTurn(chat, { createChat: false, now: tick(), place })));
      }
      const more = (place: NonNullable<NewTurn["place"]>) =>
        repository.startTurn(aTurn(chat, { createChat: false, now: tick(), place }));
      await expect(more({ kind: "answer", userMessage: u1 })).rejects.toMatchObject({
        code: "message.too_many_versions",
      });
      expect(await messageCount(chat.id)).toBe(1 + maxVersionsPerMessage);
      // Other messages still take new versions: the first message's (a new root).
      await finish(await more({ kind: "branch", parentId: null }));
    });

    it("refuses what names a message outside the chat, and writes nothing", async () => {
      const { chat } = await aLine(1);
      const other = await aLine(1);
      const foreign = other.line[1]!.id;
      await expect(
        repository.startTurn(
          aTurn(chat, { createChat: false, now: tick(), place: { kind: "branch", parentId: foreign } }),
        ),
      ).rejects.toMatchObject({ code: "message.not_found" });
      expect(await messageCount(chat.id)).toBe(2);
      expect(await repository.listPath(chat.id, foreign, 10, null)).toBeUndefined();
      expect(await repository.setActiveBranch(chat.userId, chat.id, foreign)).toBeUndefined();
      expect(await repository.setActiveBranch("someone-else", other.chat.id, foreign)).toBeUndefined();
      expect(await repository.findMessage(chat.userId, chat.id, foreign)).toBeUndefined();
      expect(await repository.findMessage("someone-else", other.chat.id, foreign)).toBeUndefined();
      expect(await repository.findMessage(other.chat.userId, other.chat.id, foreign)).toMatchObject({
        id: foreign,
        role: "assistant",
      });
    });
  });
}
