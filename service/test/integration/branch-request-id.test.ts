// RegenerateReply's and EditMessage's `request_id` (real MariaDB, real gRPC and Connect clients over
// HTTP/2): a retry after the first attempt's connection died attaches to the reply that attempt started
// (one turn, one model call), the same id with another body is refused, and an id is tied to its kind of
// call (a SendMessage's id is not a RegenerateReply's). See send-requests.ts; SendMessage's own retries
// are in request-id.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { count, eq } from "drizzle-orm";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth, startTcpProxy } from "@parley/test-support";
import { messages, sendRequests } from "../../src/adapters/mysql/schema.js";
import { createMysqlSendRequestStore } from "../../src/adapters/mysql/mysql-send-request-store.js";
import type { SendRequestStore } from "../../src/application/chats/send-requests.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";
import { collectReply, type CollectedReply } from "../support/rpc-probes.js";

/**
 * The request-id store, with one look that can be held: the first look-up of `heldId` reads at once but
 * answers only when `release` is called, so a test can make an attempt act on a stale "no such id".
 */
function holdingStore() {
  let inner: SendRequestStore | undefined;
  let release = () => undefined as void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached = () => undefined as void;
  const holding = new Promise<void>((resolve) => (reached = resolve));
  let held = false;
  const store: SendRequestStore = {
    async find(userId, requestId) {
      const found = await inner!.find(userId, requestId);
      if (requestId === holdingStore.heldId && !held) {
        held = true;
        reached();
        await released;
      }
      return found;
    },
    forgetExpired: (...args) => inner!.forgetExpired(...args),
    deleteExpired: (...args) => inner!.deleteExpired(...args),
  };
  return { store, holding, release, use: (next: SendRequestStore) => (inner = next) };
}
holdingStore.heldId = "regen-race-held";

const requests = holdingStore();
let harness: Harness;
beforeAll(async () => {
  harness = await startParley({ sendRequests: { store: requests.store, windowMs: 24 * 3_600_000 } });
  requests.use(createMysqlSendRequestStore(harness.database.db));
});
afterAll(() => harness?.stop());

type Client = ReturnType<Harness["client"]>;
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `);

/** A chat of `turns` answered questions ("q1", "q2", ...); their started events. */
async function seedChat(userId: string, turns: number) {
  const client = harness.client("grpc");
  const started = [];
  let chatId = "";
  for (let n = 1; n <= turns; n++) {
    harness.simulator.script({ text: `a${n}` });
    const reply = await collectReply(
      client.sendMessage({ userId, text: `q${n}`, ...(chatId && { chatId }) }),
    );
    chatId = reply.started!.chatId;
    started.push(reply.started!);
  }
  return { chatId, started };
}

async function messageCount(chatId: string) {
  const [row] = await harness.database.db
    .select({ n: count() })
    .from(messages)
    .where(eq(messages.chatId, chatId));
  return row?.n ?? 0;
}

async function requestRow(userId: string, requestId: string) {
  const rows = await harness.database.db.select().from(sendRequests).where(eq(sendRequests.userId, userId));
  return rows.find((row) => row.requestId === requestId);
}

/** Model calls whose prompt holds `text` (each turn is one). */
const callsWith = (text: string) =>
  harness.simulator.requests.filter((r) => JSON.stringify(r.body).includes(text)).length;

/**
 * Starts a call through a frozen proxy (the server's answer never arrives), waits until its turn is
 * stored under `requestId`, then cuts the connection: the first attempt fails without seeing `started`.
 */
async function loseFirstAttempt(
  userId: string,
  requestId: string,
  call: (client: Client) => AsyncIterable<unknown>,
) {
  const proxy = await startTcpProxy(harness.port);
  try {
    proxy.freeze();
    const lost = createClient(
      ChatService,
      createGrpcTransport({
        baseUrl: `http://127.0.0.1:${proxy.port}`,
        interceptors: [bearerAuth(testToken)],
      }),
    );
    const first = (async () => {
      for await (const _ of call(lost));
    })();
    first.catch(() => undefined);
    await expect.poll(() => requestRow(userId, requestId), { timeout: 10_000 }).toBeDefined();
    await proxy.cut();
    await expect(first).rejects.toBeInstanceOf(ConnectError);
  } finally {
    await proxy.close();
  }
  return (await requestRow(userId, requestId))!;
}

async function refusal(call: () => AsyncIterable<unknown>): Promise<ConnectError | null> {
  try {
    for await (const _ of call());
    return null;
  } catch (error) {
    return ConnectError.from(error);
  }
}

function expectReused(error: ConnectError | null, requestId: string) {
  expect(error?.code).toBe(Code.InvalidArgument);
  expect(error?.findDetails(ErrorInfoSchema).map((info) => info.reason)).toEqual(["request.id_reused"]);
  expect(error?.rawMessage).toContain(`request_id "${requestId}" was already used for a different request`);
}

function expectAttached(retried: CollectedReply, row: { replyId: string; userMessageId: string }) {
  expect(retried.started?.replyId).toBe(row.replyId);
  expect(retried.started?.userMessageId).toBe(row.userMessageId);
  expect(retried.finished?.status).toBe(ReplyStatus.COMPLETE);
}

describe("RegenerateReply request_id", () => {
  it("a retry after the first attempt's connection died before `started` streams that attempt's reply", async () => {
    const userId = "regen-retry-lost";
    const requestId = "regen-lost-1";
    const { chatId, started } = await seedChat(userId, 2);
    const deltas = words(30, "r");
    harness.simulator.script({ deltas, paceMs: 20 });
    const callsBefore = callsWith("q2");
    const row = await loseFirstAttempt(userId, requestId, (client) =>
      client.regenerateReply({ userId, chatId, requestId }),
    );
    expect(row.userMessageId).toBe(started[1]!.userMessageId);

    const retried = await collectReply(harness.client("grpc").regenerateReply({ userId, chatId, requestId }));
    expectAttached(retried, row);
    expect(retried.text).toBe(deltas.join(""));
    // One turn: one new reply (no new user message), one model call.
    expect(await messageCount(chatId)).toBe(5);
    expect(callsWith("q2") - callsBefore).toBe(1);

    // Once it ended, the same retry replays the stored reply, naming the user message it answers.
    const again = await collectReply(
      harness.client("connect-h2").regenerateReply({ userId, chatId, requestId }),
    );
    expectAttached(again, row);
    expect(again.text).toBe(deltas.join(""));
    expect(await messageCount(chatId)).toBe(5);
    const chat = await harness.client("grpc").getChat({ userId, chatId });
    expect(chat.messages.map((m) => [m.content, m.siblingCount])).toEqual([
      ["q1", 1],
      ["a1", 1],
      ["q2", 1],
      [deltas.join(""), 2],
    ]);
  });

  it("two concurrent attempts with one id make one turn, and both stream its reply", async () => {
    const userId = "regen-retry-race";
    const { chatId } = await seedChat(userId, 1);
    harness.simulator.script({ deltas: words(10, "x"), paceMs: 10 });
    const request = { userId, chatId, requestId: "regen-race-1" };
    const [a, b] = await Promise.all([
      collectReply(harness.client("grpc").regenerateReply(request)),
      collectReply(harness.client("connect-h2").regenerateReply(request)),
    ]);
    expect(a.error ?? b.error).toBeUndefined();
    expect(a.started?.replyId).toBe(b.started?.replyId);
    expect([a.text, b.text]).toEqual([words(10, "x").join(""), words(10, "x").join("")]);
    expect(await messageCount(chatId)).toBe(3);
  });

  it("an attempt that looked before the other's turn committed, then finds its reply live, attaches to it", async () => {
    const userId = "regen-retry-held";
    const { chatId } = await seedChat(userId, 1);
    harness.simulator.script({ deltas: words(10, "h"), paceMs: 10 });
    const request = { userId, chatId, requestId: holdingStore.heldId };
    // B looks first (no such id yet) and is held there; A then starts the turn and its reply streams.
    const b = collectReply(harness.client("connect-h2").regenerateReply(request));
    await requests.holding;
    const a = harness.client("grpc").regenerateReply(request)[Symbol.asyncIterator]();
    const aStarted = (await a.next()).value?.event?.kind;
    expect(aStarted?.case).toBe("started");
    // Now B goes on with its stale look: this process runs the chat's reply, and B's turn is that reply.
    requests.release();
    const bReply = await b;
    expect(bReply.error).toBeUndefined();
    expect(bReply.started?.replyId).toBe(aStarted?.case === "started" ? aStarted.value.replyId : "");
    expect(bReply.text).toBe(words(10, "h").join(""));
    while (!(await a.next()).done);
    expect(await messageCount(chatId)).toBe(3);
  });

  it("the same id with another message or model is INVALID_ARGUMENT `request.id_reused` and writes nothing", async () => {
    const userId = "regen-retry-reused";
    const { chatId, started } = await seedChat(userId, 2);
    harness.simulator.script({ text: "again" });
    const requestId = "regen-reused";
    const first = await collectReply(
      harness.client("grpc").regenerateReply({ userId, chatId, messageId: started[1]!.replyId, requestId }),
    );
    expect(first.finished?.status).toBe(ReplyStatus.COMPLETE);
    for (const changed of [
      { messageId: started[0]!.replyId },
      { messageId: started[1]!.userMessageId },
      { messageId: started[1]!.replyId, model: "gpt-4o" },
    ]) {
      const error = await refusal(() =>
        harness.client("grpc").regenerateReply({ userId, chatId, requestId, ...changed }),
      );
      expectReused(error, requestId);
    }
    expect(await messageCount(chatId)).toBe(5);
  });
});

describe("EditMessage request_id", () => {
  it("a retry after the first attempt's connection died before `started` streams that attempt's reply", async () => {
    const userId = "edit-retry-lost";
    const requestId = "edit-lost-1";
    const { chatId, started } = await seedChat(userId, 2);
    const deltas = words(30, "e");
    harness.simulator.script({ deltas, paceMs: 20 });
    const edit = { userId, chatId, messageId: started[0]!.userMessageId, text: "q1, edited", requestId };
    const row = await loseFirstAttempt(userId, requestId, (client) => client.editMessage(edit));

    const retried = await collectReply(harness.client("grpc").editMessage(edit));
    expectAttached(retried, row);
    expect(retried.text).toBe(deltas.join(""));
    // One turn: the new version and its reply, one model call.
    expect(await messageCount(chatId)).toBe(6);
    expect(callsWith("q1, edited")).toBe(1);

    const again = await collectReply(harness.client("connect-h2").editMessage(edit));
    expectAttached(again, row);
    expect(again.text).toBe(deltas.join(""));
    expect(await messageCount(chatId)).toBe(6);
    const chat = await harness.client("grpc").getChat({ userId, chatId });
    expect(chat.messages.map((m) => [m.id, m.content, m.siblingCount])).toEqual([
      [row.userMessageId, "q1, edited", 2],
      [row.replyId, deltas.join(""), 1],
    ]);
  });

  it("the same id with another text or message is INVALID_ARGUMENT `request.id_reused` and writes nothing", async () => {
    const userId = "edit-retry-reused";
    const { chatId, started } = await seedChat(userId, 2);
    harness.simulator.script({ text: "edited answer" });
    const requestId = "edit-reused";
    const edit = { userId, chatId, messageId: started[1]!.userMessageId, text: "q2, edited", requestId };
    const first = await collectReply(harness.client("grpc").editMessage(edit));
    expect(first.finished?.status).toBe(ReplyStatus.COMPLETE);
    for (const changed of [
      { text: "q2, edited again" },
      { messageId: started[0]!.userMessageId },
      { model: "gpt-4o" },
    ]) {
      expectReused(
        await refusal(() => harness.client("grpc").editMessage({ ...edit, ...changed })),
        requestId,
      );
    }
    expect(await messageCount(chatId)).toBe(6);
  });
});

describe("request ids across kinds of call", () => {
  it("an id a SendMessage used is refused for RegenerateReply and EditMessage, and the reverse", async () => {
    const userId = "kinds-retry";
    harness.simulator.script({ text: "sent" });
    const sent = await collectReply(
      harness.client("grpc").sendMessage({ userId, text: "hello", requestId: "kinds-send" }),
    );
    const chatId = sent.started!.chatId;
    const messageId = sent.started!.userMessageId;
    expectReused(
      await refusal(() =>
        harness.client("grpc").regenerateReply({ userId, chatId, requestId: "kinds-send" }),
      ),
      "kinds-send",
    );
    expectReused(
      await refusal(() =>
        harness
          .client("grpc")
          .editMessage({ userId, chatId, messageId, text: "hello", requestId: "kinds-send" }),
      ),
      "kinds-send",
    );

    harness.simulator.script({ text: "regenerated" });
    const regenerated = await collectReply(
      harness.client("grpc").regenerateReply({ userId, chatId, requestId: "kinds-regenerate" }),
    );
    expect(regenerated.finished?.status).toBe(ReplyStatus.COMPLETE);
    expectReused(
      await refusal(() =>
        harness.client("grpc").sendMessage({ userId, chatId, text: "hello", requestId: "kinds-regenerate" }),
      ),
      "kinds-regenerate",
    );
    expectReused(
      await refusal(() =>
        harness
          .client("grpc")
          .editMessage({ userId, chatId, messageId, text: "hello", requestId: "kinds-regenerate" }),
      ),
      "kinds-regenerate",
    );
    expect(await messageCount(chatId)).toBe(3);
  });
});
