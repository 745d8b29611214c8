// SendMessage's `request_id`: a retry attaches to the reply the first attempt started (real MariaDB,
// real gRPC and Connect clients over HTTP/2), a concurrent duplicate makes one turn, and old ids expire.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { count, eq, inArray } from "drizzle-orm";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth, startTcpProxy } from "@parley/test-support";
import { chats, messages, sendRequests } from "../../src/adapters/mysql/schema.js";
import { createMysqlSendRequestStore } from "../../src/adapters/mysql/mysql-send-request-store.js";
import { noOverrides } from "../../src/domain/limits.js";
import { DuplicateSendRequest, sweepBatch } from "../../src/application/chats/send-requests.js";
import { uuidV7 } from "../../src/adapters/system-clock.js";
import { collect, finishedOf, startedOf, textOf } from "../support/reply-events.js";
import { fixedLimitsStore } from "../support/fixed-limits-store.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";

const hour = 3_600_000;
let shiftMs = 0;
let harness: Harness;
beforeAll(async () => {
  harness = await startParley({
    clock: { now: () => new Date(Date.now() + shiftMs) },
    leases: { sweepEveryMs: 100 },
    // One message a minute for "retry-limited" only; no limits for the others.
    userLimits: {
      defaults: {
        concurrentReplies: 0,
        messagesPerMinute: 0,
        dailyTokens: 0,
        monthlyTokens: 0,
        monthlyCostMicros: 0,
      },
      store: fixedLimitsStore((userId) => ({
        blocked: false,
        overrides: { ...noOverrides, messagesPerMinute: userId === "retry-limited" ? 1 : null },
      })),
    },
  });
});
afterAll(() => harness?.stop());

async function chatsOf(userId: string) {
  return harness.database.db.select({ id: chats.id }).from(chats).where(eq(chats.userId, userId));
}
async function messageCount(userId: string) {
  const ids = (await chatsOf(userId)).map((chat) => chat.id);
  if (ids.length === 0) return 0;
  const [row] = await harness.database.db
    .select({ n: count() })
    .from(messages)
    .where(inArray(messages.chatId, ids));
  return row?.n ?? 0;
}
async function requestRow(userId: string, requestId: string) {
  const rows = await harness.database.db.select().from(sendRequests).where(eq(sendRequests.userId, userId));
  return rows.find((row) => row.requestId === requestId);
}

describe("SendMessage request_id (safe retries)", () => {
  it("a retry after the first attempt's connection died before `started` streams that attempt's reply", async () => {
    const userId = "retry-lost";
    const requestId = "0b8e7a52-6f1e-4b7e-9a39-2f0c1d7e5a11";
    const words = Array.from({ length: 30 }, (_, i) => `w${i} `);
    harness.simulator.script({ deltas: words, paceMs: 20 });
    const proxy = await startTcpProxy(harness.port);
    try {
      // Everything the server sends is held back: the first attempt never sees `started`.
      proxy.freeze();
      const lost = createClient(
        ChatService,
        createGrpcTransport({
          baseUrl: `http://127.0.0.1:${proxy.port}`,
          interceptors: [bearerAuth(testToken)],
        }),
      );
      const first = collect(lost.sendMessage({ userId, text: "count for me", requestId }));
      first.catch(() => undefined);
      await expect.poll(() => requestRow(userId, requestId), { timeout: 10_000 }).toBeDefined();
      await proxy.cut();
      await expect(first).rejects.toBeInstanceOf(ConnectError);
    } finally {
      await proxy.close();
    }

    const retried = await collect(
      harness.client("grpc").sendMessage({ userId, text: "count for me", requestId }),
    );
    const row = await requestRow(userId, requestId);
    expect(startedOf(retried).replyId).toBe(row!.replyId);
    expect(startedOf(retried).chatId).toBe(row!.chatId);
    expect(startedOf(retried).userMessageId).toBe(row!.userMessageId);
    expect(textOf(retried)).toBe(words.join(""));
    expect(finishedOf(retried).status).toBe(ReplyStatus.COMPLETE);
    expect((await chatsOf(userId)).length).toBe(1);
    expect(await messageCount(userId)).toBe(2);
    expect(
      harness.simulator.requests.filter((r) => JSON.stringify(r.body).includes("count for me")),
    ).toHaveLength(1);

    // Once the reply has ended, the same retry replays the stored reply.
    const again = await collect(
      harness.client("connect-h2").sendMessage({ userId, text: "count for me", requestId }),
    );
    expect(startedOf(again).replyId).toBe(row!.replyId);
    expect(textOf(again)).toBe(words.join(""));
    expect(finishedOf(again).status).toBe(ReplyStatus.COMPLETE);
    expect(await messageCount(userId)).toBe(2);
  });

  it("two concurrent attempts with one id make one turn, and both stream its reply", async () => {
    const userId = "retry-race";
    const requestId = "race-1";
    harness.simulator.script({ text: "one reply for both", paceMs: 10 });
    const request = { userId, text: "race me", requestId };
    const [a, b] = await Promise.all([
      collect(harness.client("grpc").sendMessage(request)),
      collect(harness.client("connect-h2").sendMessage(request)),
    ]);
    expect(startedOf(a).replyId).toBe(startedOf(b).replyId);
    expect(textOf(a)).toBe("one reply for both");
    expect(textOf(b)).toBe("one reply for both");
    expect((await chatsOf(userId)).length).toBe(1);
    expect(await messageCount(userId)).toBe(2);
  });

  it("a retry on an existing chat attaches to its live reply instead of `reply.in_progress`", async () => {
    const userId = "retry-existing";
    harness.simulator.script({ text: "first answer" });
    const chatId = startedOf(
      await collect(harness.client("grpc").sendMessage({ userId, text: "hi" })),
    ).chatId;
    harness.simulator.script({ deltas: ["slow ", "second ", "answer"], paceMs: 50 });
    const request = { userId, chatId, text: "and again", requestId: "existing-1" };
    const [a, b] = await Promise.all([
      collect(harness.client("grpc").sendMessage(request)),
      collect(harness.client("grpc").sendMessage(request)),
    ]);
    expect(startedOf(a).replyId).toBe(startedOf(b).replyId);
    expect(textOf(b)).toBe("slow second answer");
    expect(await messageCount(userId)).toBe(4);
  });

  it("the same id with another body is INVALID_ARGUMENT `request.id_reused` and writes nothing", async () => {
    const userId = "retry-reused";
    harness.simulator.script({ text: "answered" });
    const first = await collect(
      harness.client("grpc").sendMessage({ userId, text: "the first", requestId: "reused" }),
    );
    for (const changed of [{ text: "another text" }, { model: "gpt-4o" }, { instructions: "Be terse." }]) {
      const error = await collect(
        harness.client("grpc").sendMessage({ userId, text: "the first", requestId: "reused", ...changed }),
      ).then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.findDetails(ErrorInfoSchema).map((info) => info.reason)).toEqual(["request.id_reused"]);
      expect(error?.rawMessage).toContain('request_id "reused" was already used');
    }
    expect((await chatsOf(userId)).length).toBe(1);
    expect(await messageCount(userId)).toBe(2);
    expect(startedOf(first).replyId).toBe((await requestRow(userId, "reused"))!.replyId);
  });

  it("startTurn stores the id in the turn's transaction: a second turn with it writes nothing", async () => {
    const userId = "retry-store";
    const turnWith = (requestId: string) => ({
      userId,
      chatId: uuidV7(),
      newChat: { title: "t", model: "gpt-4o-mini" },
      userMessage: { id: uuidV7(), content: "hi", tokenCount: 1 },
      replyId: uuidV7(),
      lease: { owner: "request-id-test", expiresAt: new Date(Date.now() + 60_000) },
      now: new Date(),
      historyLimit: 50,
      maxLiveReplies: 0,
      request: { id: requestId, bodyHash: "a".repeat(64) },
    });
    const first = turnWith("store-1");
    await harness.repository.startTurn(first);
    await expect(harness.repository.startTurn(turnWith("store-1"))).rejects.toBeInstanceOf(
      DuplicateSendRequest,
    );
    expect((await chatsOf(userId)).map((chat) => chat.id)).toEqual([first.chatId]);
    expect(await messageCount(userId)).toBe(2);
    expect(await requestRow(userId, "store-1")).toMatchObject({
      replyId: first.replyId,
      chatId: first.chatId,
    });
  });

  it("refuses a malformed request_id", async () => {
    for (const requestId of ["x".repeat(65), "has space", "naïve"]) {
      const error = await collect(
        harness.client("connect-h2").sendMessage({ userId: "retry-bad", text: "hi", requestId }),
      ).then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.findDetails(ErrorInfoSchema).map((info) => info.reason)).toEqual(["argument.invalid"]);
    }
    expect(await chatsOf("retry-bad")).toEqual([]);
  });

  it("a retry that attaches is not a new message: the rate limit is not charged", async () => {
    const userId = "retry-limited";
    harness.simulator.script({ text: "within the limit" });
    const request = { userId, text: "once a minute", requestId: "limited-1" };
    const first = await collect(harness.client("grpc").sendMessage(request));
    const retried = await collect(harness.client("grpc").sendMessage(request));
    expect(startedOf(retried).replyId).toBe(startedOf(first).replyId);
    const refused = await collect(
      harness.client("grpc").sendMessage({ userId, text: "a new one", requestId: "limited-2" }),
    ).then(
      () => null,
      (e: unknown) => ConnectError.from(e),
    );
    expect(refused?.code).toBe(Code.ResourceExhausted);
    expect(refused?.findDetails(ErrorInfoSchema).map((info) => info.reason)).toEqual(["limit.rate"]);
    expect(await requestRow(userId, "limited-2")).toBeUndefined();
  });

  it("another user's same id is independent", async () => {
    harness.simulator.script({ text: "for alice" }, { text: "for bob" });
    const alice = await collect(
      harness.client("grpc").sendMessage({ userId: "retry-alice", text: "hello", requestId: "shared" }),
    );
    const bob = await collect(
      harness.client("grpc").sendMessage({ userId: "retry-bob", text: "hello", requestId: "shared" }),
    );
    expect(startedOf(alice).replyId).not.toBe(startedOf(bob).replyId);
    expect(textOf(bob)).toBe("for bob");
    expect(await messageCount("retry-bob")).toBe(2);
  });

  it("the sweeper deletes ids older than the window in bounded batches; a fresh one stays", async () => {
    const store = createMysqlSendRequestStore(harness.database.db);
    const old = new Date(Date.now() + shiftMs - 25 * hour);
    const rows = Array.from({ length: 3 }, (_, i) => ({
      userId: "retry-sweep",
      requestId: `old-${i}`,
      bodyHash: "0".repeat(64),
      chatId: "00000000-0000-7000-8000-000000000000",
      userMessageId: "00000000-0000-7000-8000-000000000001",
      replyId: "00000000-0000-7000-8000-000000000002",
      createdAt: old,
    }));
    await harness.database.db.insert(sendRequests).values(rows);
    // One batch takes at most its bound (oldest first); the rest waits for the next.
    expect(await store.deleteExpired(new Date(old.getTime() + 1), 2)).toBe(2);
    await harness.database.db
      .insert(sendRequests)
      .values([{ ...rows[0]!, requestId: "fresh", createdAt: new Date(Date.now() + shiftMs) }]);
    // The app's sweep tick (every 100 ms here) deletes the remaining expired one.
    await expect
      .poll(async () =>
        (await harness.database.db.select().from(sendRequests).where(eq(sendRequests.userId, "retry-sweep")))
          .map((row) => row.requestId)
          .sort(),
      )
      .toEqual(["fresh"]);
    expect(sweepBatch).toBe(500);
  });

  it("the same id after the window starts a new turn", async () => {
    const userId = "retry-window";
    harness.simulator.script({ text: "yesterday" }, { text: "today" });
    const request = { userId, text: "same words", requestId: "daily" };
    const first = await collect(harness.client("grpc").sendMessage(request));
    shiftMs = 24 * hour + 60_000;
    try {
      const second = await collect(harness.client("grpc").sendMessage(request));
      expect(startedOf(second).replyId).not.toBe(startedOf(first).replyId);
      expect(textOf(second)).toBe("today");
      expect((await chatsOf(userId)).length).toBe(2);
      expect((await requestRow(userId, "daily"))!.replyId).toBe(startedOf(second).replyId);
    } finally {
      shiftMs = 0;
    }
  });
});
