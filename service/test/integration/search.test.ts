// Search across a user's own chats, end to end over gRPC and Connect on a real MariaDB: what is indexed
// (titles, user messages, replies once they end, swept replies' saved text), how it matches (partial
// words, CJK, case and width, special characters literally), ownership, paging, errors, deletion,
// renames and the backfill of texts stored before the index existed.
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import {
  SearchResultRole,
  SearchService,
  type SearchChatsResponse,
} from "@parley/gen/parley/search/v1/search_pb";
import { eq } from "drizzle-orm";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backfillSearchIndex } from "../../src/adapters/mysql/search-backfill.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { chats } from "../../src/adapters/mysql/schema.js";
import { indexDocuments, indexTitle } from "../../src/adapters/mysql/search-index.js";
import { createSearchIndexer } from "../../src/adapters/mysql/search-indexer.js";
import { aChat, anOutcome, aTurn, saveOneProgress } from "../support/chat-builders.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode } from "../support/rpc-probes.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({
    maxRetries: 0,
    // A quick sweeper, for the reply whose owner died.
    leases: { leaseMs: 1_000, renewEveryMs: 200, sweepEveryMs: 100 },
  });
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

const search = (protocol: "grpc" | "connect-h1" = "grpc", token?: string) =>
  createClient(SearchService, harness.transport(protocol, token));
const aUser = () => `searcher-${randomUUID()}`;

/** Sends `text` (in `chatId`, or a new chat) and waits for the scripted `reply` to end. */
async function send(userId: string, text: string, reply: string, chatId = "") {
  harness.simulator.script({ text: reply });
  const done = await collectReply(harness.client("grpc").sendMessage({ userId, text, chatId }));
  expect(done.finished).toBeDefined();
  const started = done.started!;
  // A turn is indexed just after its reply's final write (search-indexer.ts): wait for that.
  await harness.searchIndexed();
  return { chatId: started.chatId, userMessageId: started.userMessageId, replyId: started.replyId };
}

async function find(userId: string, query: string, pageSize = 50, pageToken = "") {
  return search().searchChats({ userId, query, pageSize, pageToken });
}

/** Each result as `role:text`, the highlighted parts in [brackets]. */
const shown = (response: SearchChatsResponse) =>
  response.results.map(
    (r) =>
      `${SearchResultRole[r.role]}:${r.snippet.map((s) => (s.highlight ? `[${s.text}]` : s.text)).join("")}`,
  );

describe("what is found", () => {
  it("finds user messages, replies and titles, by partial words, across case and width, with highlights", async () => {
    const userId = aUser();
    const turn = await send(userId, "Plans for Tokyo\nWhat should I see?", "Visit the TOKYO Tower at night.");
    const response = await find(userId, "tokyo");
    expect(shown(response)).toEqual([
      "ASSISTANT:Visit the [TOKYO] Tower at night.",
      "USER:Plans for [Tokyo]\nWhat should I see?",
      "TITLE:Plans for [Tokyo]",
    ]);
    expect(response.results.map((r) => [r.chatId, r.messageId, r.chatTitle])).toEqual([
      [turn.chatId, turn.replyId, "Plans for Tokyo"],
      [turn.chatId, turn.userMessageId, "Plans for Tokyo"],
      [turn.chatId, "", "Plans for Tokyo"],
    ]);
    expect(response.nextPageToken).toBe("");
    expect(shown(await find(userId, "ＴＯＷ"))).toEqual(["ASSISTANT:Visit the TOKYO [Tow]er at night."]);
    expect(shown(await find(userId, "tokyo tow"))).toEqual(["ASSISTANT:Visit the [TOKYO Tow]er at night."]);
    // Whitespace runs are one space: a line break matches a space.
    expect(shown(await find(userId, "tokyo what"))).toEqual(["USER:Plans for [Tokyo\nWhat] should I see?"]);
    expect((await find(userId, "kyoto")).results).toEqual([]);
  });

  it("finds Chinese and Japanese text by any part of it, one character included", async () => {
    const userId = aUser();
    await send(userId, "東京タワーに行きたい", "北京烤鸭很好吃");
    expect(shown(await find(userId, "東京"))).toEqual([
      "USER:[東京]タワーに行きたい",
      "TITLE:[東京]タワーに行きたい",
    ]);
    expect(shown(await find(userId, "タワー"))).toEqual([
      "USER:東京[タワー]に行きたい",
      "TITLE:東京[タワー]に行きたい",
    ]);
    expect(shown(await find(userId, "烤鸭"))).toEqual(["ASSISTANT:北京[烤鸭]很好吃"]);
    expect(shown(await find(userId, "鸭"))).toEqual(["ASSISTANT:北京烤[鸭]很好吃"]);
    expect((await find(userId, "京都")).results).toEqual([]);
  });

  it("matches %, _, backslashes, quotes, emoji and pattern characters literally", async () => {
    const userId = aUser();
    const texts = [
      "100% sure",
      "snake_case name",
      "a back\\slash",
      `it's "quoted"`,
      "smile 😀 now",
      "grin 😃 now",
      "regex (a+)+$ [x]*",
      "plain words only",
    ];
    for (const text of texts) await send(userId, text, "ok");
    const users = async (query: string) =>
      (await find(userId, query)).results
        .filter((r) => r.role === SearchResultRole.USER)
        .map((r) => r.snippet.map((s) => s.text).join(""));
    expect(await users("%")).toEqual(["100% sure"]);
    expect(await users("_")).toEqual(["snake_case name"]);
    expect(await users("\\")).toEqual(["a back\\slash"]);
    expect(await users(`"quoted"`)).toEqual([`it's "quoted"`]);
    expect(await users("'")).toEqual([`it's "quoted"`]);
    expect(await users("😀")).toEqual(["smile 😀 now"]);
    expect(await users("😃 now")).toEqual(["grin 😃 now"]);
    expect(await users("(a+)+$")).toEqual(["regex (a+)+$ [x]*"]);
    expect(await users(".*")).toEqual([]);
    expect(await users("%%")).toEqual([]);
  });

  it("indexes a reply when it ends, and a reply the sweeper ends with the text it had saved", async () => {
    const userId = aUser();
    const chat = aChat({ userId, title: "orphaned chat", createdAt: new Date(), updatedAt: new Date() });
    // A lease that runs out in 2 s: the progress below is saved while it holds (saving under a lease
    // the sweeper is already ending would race it), then the sweeper ends the reply.
    const dead = { owner: randomUUID(), expiresAt: new Date(Date.now() + 2_000) };
    const { reply } = await harness.repository.startTurn(
      aTurn(chat, {
        lease: dead,
        now: new Date(),
        userMessage: { id: randomUUID(), content: "question zebra", tokenCount: 2 },
      }),
    );
    await saveOneProgress(
      harness.repository,
      reply.id,
      dead.owner,
      "half an answer about zebras",
      new Date(),
    );
    // Not yet: a turn becomes searchable when its reply ends.
    expect((await find(userId, "zebra")).results).toEqual([]);
    await expect
      .poll(async () => shown(await find(userId, "zebra")), { timeout: 15_000 })
      .toEqual(["ASSISTANT:half an answer about [zebra]s", "USER:question [zebra]"]);
  });
});

describe("indexing beside other writes", () => {
  // Some tests stand for other processes, with indexers of their own: the harness's must not take their
  // marks. Its drain covers (and cancels) a nudge an earlier test's final writes left waiting.
  beforeEach(async () => {
    await harness.searchIndexed();
  });

  it("indexes many answers ending at once, in different chats, without one waiting on or failing another", async () => {
    const userId = aUser();
    const turns = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const chat = aChat({
          userId,
          id: randomUUID(),
          title: `parallel ${i}`,
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        const content = `concurrent kingfisher ${i}`;
        return harness.repository.startTurn(
          aTurn(chat, { now: new Date(), userMessage: { id: randomUUID(), content, tokenCount: 3 } }),
        );
      }),
    );
    const ended = await Promise.all(
      turns.map(({ reply }, i) =>
        harness.repository.finishReply(
          reply.id,
          anOutcome({ userId, content: `answer ${i}`, now: new Date() }),
        ),
      ),
    );
    expect(ended).toEqual(turns.map(() => true));
    await harness.searchIndexed();
    expect((await find(userId, "kingfisher")).results).toHaveLength(20);
  });

  /** `n` turns of `userId` ended by a process with no indexer: marked, not indexed yet. */
  async function endedUnindexed(userId: string, word: string, n: number) {
    const repository = createMysqlChatRepository(harness.database.db, testUsageMeter);
    for (let i = 0; i < n; i++) {
      const chat = aChat({ userId, id: randomUUID(), title: `${word} ${i}`, createdAt: new Date() });
      const userMessage = { id: randomUUID(), content: `${word} question ${i}`, tokenCount: 3 };
      const { reply } = await repository.startTurn(aTurn(chat, { now: new Date(), userMessage }));
      const outcome = anOutcome({ userId, content: `${word} answer ${i}`, now: new Date() });
      expect(await repository.finishReply(reply.id, outcome)).toBe(true);
    }
  }

  const pendingMarks = async () => {
    const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM messages WHERE search_pending",
    );
    return Number(row?.n);
  };

  it("indexes the turns a stopped process marked but never indexed, when the next one starts", async () => {
    const userId = aUser();
    await endedUnindexed(userId, "lynx", 3);
    expect((await find(userId, "lynx")).results).toEqual([]);

    const next = createSearchIndexer(harness.database.db);
    next.start();
    await expect.poll(async () => (await find(userId, "lynx")).results.length).toBe(9);
    await next.close();
    expect(await pendingMarks()).toBe(0);
  });

  it("two processes draining at once index each turn once, in bounded batches", async () => {
    const userId = aUser();
    await endedUnindexed(userId, "ibis", 24);
    const [a, b] = [0, 1].map(() => createSearchIndexer(harness.database.db, { batchSize: 5 }));
    const indexed = await Promise.all([a!.drain(), b!.drain()]);
    expect(indexed[0]! + indexed[1]!).toBe(24);
    const [[documents]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT source_id) AS sources FROM search_documents WHERE user_id = ?",
      [userId],
    );
    // Each turn: its title (a first turn), the user message and the reply, once.
    expect(documents).toEqual({ n: 72, sources: 72 });
    expect(await pendingMarks()).toBe(0);
  });

  it("a rename while a batch waits for the chat: both commit, and the new title is what is found", async () => {
    const userId = aUser();
    await endedUnindexed(userId, "osprey", 1);
    const { db, pool } = harness.database;
    const [chat] = await db.select({ id: chats.id }).from(chats).where(eq(chats.userId, userId));
    const chatId = chat!.id;
    /** The batch's statement that locks this chat, while it runs (it cannot finish before the rename). */
    const batchAtTheChat = async () => {
      const [rows] = await pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE ? AND info LIKE ?",
        ["select `id` from `chats` where%for update", `%${chatId}%`],
      );
      return Number(rows[0]?.n);
    };
    const indexer = createSearchIndexer(db);
    let drained: Promise<number> | undefined;
    // As renameChat does: the chat row first, then its title's document, in one transaction. The batch
    // starts in between and must wait for the chat before it writes a document of its own; when it
    // wrote first, the rename's document waited on the batch's while the batch's foreign-key check
    // waited on the renamed chat: a deadlock.
    await db.transaction(async (tx) => {
      await tx.update(chats).set({ title: "sea eagle" }).where(eq(chats.id, chatId));
      drained = indexer.drain();
      await expect.poll(batchAtTheChat).toBe(1);
      await indexTitle(tx, userId, chatId);
    });
    expect(await drained).toBe(1);
    expect(shown(await find(userId, "eagle"))).toEqual(["TITLE:sea [eagle]"]);
    expect(shown(await find(userId, "osprey"))).toEqual([
      "ASSISTANT:[osprey] answer 0",
      "USER:[osprey] question 0",
    ]);
  });

  it("a graceful stop indexes what its last replies marked", async () => {
    const userId = aUser();
    const indexer = createSearchIndexer(harness.database.db, { delayMs: 60_000 });
    const repository = createMysqlChatRepository(harness.database.db, testUsageMeter, indexer);
    const chat = aChat({ userId, id: randomUUID(), title: "egret", createdAt: new Date() });
    const userMessage = { id: randomUUID(), content: "egret question", tokenCount: 2 };
    const { reply } = await repository.startTurn(aTurn(chat, { now: new Date(), userMessage }));
    await repository.finishReply(reply.id, anOutcome({ userId, content: "egret answer", now: new Date() }));
    // Nudged, but its drain is a minute away: the stop does it.
    await indexer.close();
    expect(shown(await find(userId, "egret"))).toEqual([
      "ASSISTANT:[egret] answer",
      "USER:[egret] question",
      "TITLE:[egret]",
    ]);
  });
});

describe("whose and which", () => {
  it("never shows another user's chats, whoever asks", async () => {
    const alice = aUser();
    const bob = aUser();
    await send(alice, "alice secret marmalade", "noted");
    await send(bob, "bob secret marmalade", "noted");
    expect(shown(await find(alice, "marmalade")).filter((s) => s.startsWith("USER"))).toEqual([
      "USER:alice secret [marmalade]",
    ]);
    expect(shown(await find(bob, "secret marmalade")).filter((s) => s.startsWith("USER"))).toEqual([
      "USER:bob [secret marmalade]",
    ]);
    expect((await find(aUser(), "marmalade")).results).toEqual([]);
    // A personal key searches as its own user and may not name another.
    const keys = createClient(ApiKeyService, harness.transport("connect-h1"));
    const { key } = await keys.createApiKey({ userId: alice, name: "search" });
    const asAlice = search("connect-h1", key);
    const own = await asAlice.searchChats({ userId: "", query: "marmalade" });
    expect(
      own.results.every(
        (r) =>
          r.snippet
            .map((s) => s.text)
            .join("")
            .startsWith("alice") || r.role === SearchResultRole.TITLE,
      ),
    ).toBe(true);
    await expectCode(() => asAlice.searchChats({ userId: bob, query: "marmalade" }), Code.PermissionDenied);
  });

  it("forgets a deleted chat and follows renames", async () => {
    const userId = aUser();
    const kept = await send(userId, "keep the walrus", "fine");
    const gone = await send(userId, "drop the walrus", "fine");
    await harness.client().deleteChat({ userId, chatId: gone.chatId });
    expect(shown(await find(userId, "walrus"))).toEqual([
      "USER:keep the [walrus]",
      "TITLE:keep the [walrus]",
    ]);
    const [[left]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM search_documents WHERE chat_id = ?",
      [gone.chatId],
    );
    expect(left?.["n"]).toBe(0);

    await harness.client().renameChat({ userId, chatId: kept.chatId, title: "Narwhal notes" });
    expect(shown(await find(userId, "narwhal"))).toEqual(["TITLE:[Narwhal] notes"]);
    expect(shown(await find(userId, "walrus"))).toEqual(["USER:keep the [walrus]"]);
  });
});

describe("paging", () => {
  it("walks every result once, newest first, and later writes do not shift the pages", async () => {
    const userId = aUser();
    const { chatId } = await send(userId, "pelican 0", "nothing here");
    for (let i = 1; i < 12; i += 1) await send(userId, `pelican ${i}`, "nothing here", chatId);
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await find(userId, "pelican", 5, token);
      seen.push(...page.results.map((r) => r.snippet.map((s) => s.text).join("")));
      token = page.nextPageToken;
      pages += 1;
      // A new match after the first page is not slipped into the later ones.
      if (pages === 1) await send(userId, "pelican late", "nothing here", chatId);
    } while (token !== "");
    expect(seen).toEqual([...Array.from({ length: 12 }, (_, i) => `pelican ${11 - i}`), "pelican 0"]);
    expect(pages).toBe(3);
  });

  it("bounds the page size and refuses a token from another query", async () => {
    const userId = aUser();
    const { chatId } = await send(userId, "heron 0", "ok");
    for (let i = 1; i < 3; i += 1) await send(userId, `heron ${i}`, "ok", chatId);
    expect((await find(userId, "heron", 0)).results).toHaveLength(4);
    const first = await find(userId, "heron", 2);
    expect(first.results).toHaveLength(2);
    const error = await expectCode(
      () => find(userId, "herons", 2, first.nextPageToken),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toBe("page_token belongs to another query");
    await expectCode(() => find(userId, "heron", 2, "not-a-token"), Code.InvalidArgument);
  });
});

describe("bad queries", () => {
  it.each([
    ["", "query is empty: type the words to search for"],
    [" \n\t ", "query is empty: type the words to search for"],
    ["x".repeat(257), "query is longer than 256 bytes (UTF-8); shorten it"],
    ["東".repeat(86), "query is longer than 256 bytes (UTF-8); shorten it"],
  ])("refuses %j with INVALID_ARGUMENT", async (query, message) => {
    const error = await expectCode(() => find(aUser(), query), Code.InvalidArgument);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.rawMessage).toBe(message);
  });

  it("takes a query at the byte bound, and a blank user id is refused", async () => {
    expect((await find(aUser(), "x".repeat(256))).results).toEqual([]);
    await expectCode(() => find("", "anything"), Code.InvalidArgument);
  });
});

describe("the backfill", () => {
  it("indexes what was stored before the index, in batches, and a second run finds nothing left", async () => {
    const userId = aUser();
    const first = await send(userId, "ancient flamingo", "old reply about flamingos");
    await send(userId, "another flamingo", "ok", first.chatId);
    // As if stored before search existed.
    await harness.database.pool.query("DELETE FROM search_documents WHERE user_id = ?", [userId]);
    expect((await find(userId, "flamingo")).results).toEqual([]);

    const progress: number[] = [];
    const done = await backfillSearchIndex(harness.database.db, {
      batchSize: 2,
      onBatch: (p) => progress.push(p.titles + p.messages),
    });
    expect(done.titles).toBeGreaterThanOrEqual(1);
    expect(shown(await find(userId, "flamingo"))).toEqual([
      "USER:another [flamingo]",
      "ASSISTANT:old reply about [flamingo]s",
      "USER:ancient [flamingo]",
      "TITLE:ancient [flamingo]",
    ]);
    expect(await backfillSearchIndex(harness.database.db, { batchSize: 2 })).toEqual({
      titles: 0,
      messages: 0,
    });
  });
});

describe("concurrent index writes", () => {
  it("two transactions indexing the same text at once both commit, leaving one document", async () => {
    const userId = aUser();
    const { chatId, userMessageId } = await send(userId, "a quokka smiles", "they do");
    await harness.database.pool.query("DELETE FROM search_documents WHERE user_id = ?", [userId]);
    const document = {
      sourceId: userMessageId,
      userId,
      chatId,
      role: "user" as const,
      text: "a quokka smiles",
      writtenAt: new Date(),
    };
    // As the backfill and a reply's final write would: each reads "not indexed yet", then inserts.
    const { db } = harness.database;
    await Promise.all([0, 1].map(() => db.transaction((tx) => indexDocuments(tx, [document]))));
    const [[count]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM search_documents WHERE source_id = ?",
      [userMessageId],
    );
    expect(count).toEqual({ n: 1 });
    expect(shown(await find(userId, "quokka"))).toEqual(["USER:a [quokka] smiles"]);
  });
});
