// Bad input over real sockets against a whole Parley: each gets the code chat.proto documents, nothing
// is written (checked in the database), no upstream request is made, and the server keeps serving.
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  ReplyStatus,
  Role,
  SendMessageRequestSchema,
  type ReplyStarted,
} from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTiktokenTokenCounter } from "../../src/adapters/tiktoken/tiktoken-token-counter.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";
import {
  collectReply,
  envelope,
  expectCode,
  rawHttp2Post,
  rowCounts,
  splitEnvelopes,
  type Call,
} from "../support/rpc-probes.js";

let harness: Harness;
let grpc: ReturnType<Harness["client"]>;
let connect: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley();
  grpc = harness.client("grpc");
  connect = harness.client("connect-h1");
});
afterAll(() => harness?.stop());

let before: { chats: number; messages: number };
beforeEach(async () => {
  harness.simulator.reset();
  before = await rowCounts(harness);
});

/** Nothing was stored and nothing was asked of the model since the test began. */
async function expectNothingWritten() {
  expect(await rowCounts(harness)).toEqual(before);
  expect(harness.simulator.requests).toHaveLength(0);
}

// After every refusal the same process answers a whole SendMessage normally.
afterEach(async () => {
  const reply = await collectReply(grpc.sendMessage({ userId: "canary", text: "still there?" }));
  expect(reply.error).toBeUndefined();
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
});

/** A chat of `userId` with one answered message; returns its ids. */
async function aChat(userId: string, text = "hello") {
  const reply = await collectReply(grpc.sendMessage({ userId, text }));
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  harness.simulator.reset();
  before = await rowCounts(harness);
  return { chatId: reply.started!.chatId, replyId: reply.started!.replyId };
}

describe("message text", () => {
  it.each([
    ["empty", ""],
    ["whitespace only", " \t\n\u00a0\u3000 "],
  ])("%s text is INVALID_ARGUMENT and nothing is written", async (_, text) => {
    const error = await expectCode(grpc.sendMessage({ userId: "empty-text", text }), Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/empty/);
    await expectNothingWritten();
  });

  it("is refused in an existing chat too, which stays as it was", async () => {
    const { chatId } = await aChat("empty-text-chat");
    await expectCode(
      grpc.sendMessage({ userId: "empty-text-chat", chatId, text: "   " }),
      Code.InvalidArgument,
    );
    await expectNothingWritten();
  });

  it.each([
    ["ASCII", "x".repeat(16 * 1024 + 1)],
    // 8 193 characters but 16 386 bytes: the cap is on UTF-8 bytes, not characters
    ["two-byte characters", "é".repeat(8 * 1024 + 1)],
    ["emoji", "🙂".repeat(4 * 1024 + 1)],
  ])("over the 16 KiB byte cap (%s) is INVALID_ARGUMENT naming the limit", async (_, text) => {
    const error = await expectCode(grpc.sendMessage({ userId: "long-text", text }), Code.InvalidArgument);
    expect(error.rawMessage).toContain("16384 bytes");
    await expectNothingWritten();
  });

  it("at exactly the byte cap is accepted", async () => {
    const reply = await collectReply(grpc.sendMessage({ userId: "cap-text", text: "é".repeat(8 * 1024) }));
    expect(reply.error).toBeUndefined();
    expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  });
});

describe("request size", () => {
  const huge = "x".repeat(70 * 1024); // over the harness's 64 KiB maxRequestBytes

  it("a SendMessage over the request limit is RESOURCE_EXHAUSTED over gRPC and Connect", async () => {
    await expectCode(grpc.sendMessage({ userId: "huge", text: huge }), Code.ResourceExhausted);
    await expectCode(connect.sendMessage({ userId: "huge", text: huge }), Code.ResourceExhausted);
    await expectNothingWritten();
  });

  it("a unary request over the limit is RESOURCE_EXHAUSTED and changes nothing", async () => {
    const { chatId } = await aChat("huge-rename");
    await expectCode(
      connect.renameChat({ userId: "huge-rename", chatId, title: huge }),
      Code.ResourceExhausted,
    );
    await expectCode(grpc.renameChat({ userId: "huge-rename", chatId, title: huge }), Code.ResourceExhausted);
    expect((await grpc.getChat({ userId: "huge-rename", chatId })).chat?.title).toBe("hello");
    await expectNothingWritten();
  });
});

describe("ids", () => {
  const malformed = ["not-a-uuid", "123", "' OR 1=1 --", `${randomUUID()}x`];

  it.each(malformed)(
    "a malformed chat_id %j is INVALID_ARGUMENT on every RPC that takes one",
    async (chatId) => {
      const userId = "malformed-ids";
      for (const call of [
        () => grpc.sendMessage({ userId, chatId, text: "hi" }),
        () => grpc.getChat({ userId, chatId }),
        () => grpc.renameChat({ userId, chatId, title: "t" }),
        () => grpc.deleteChat({ userId, chatId }),
      ]) {
        const error = await expectCode(call, Code.InvalidArgument);
        expect(error.rawMessage).toMatch(/chat_id .* is not a valid id/);
      }
      await expectNothingWritten();
    },
  );

  it.each(malformed)("a malformed reply_id %j is INVALID_ARGUMENT", async (replyId) => {
    const userId = "malformed-ids";
    for (const call of [
      () => grpc.watchReply({ userId, replyId }),
      () => grpc.stopReply({ userId, replyId }),
    ]) {
      const error = await expectCode(call, Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/reply_id .* is not a valid id/);
    }
    await expectNothingWritten();
  });

  it("an empty reply_id is INVALID_ARGUMENT (required)", async () => {
    await expectCode(grpc.watchReply({ userId: "u", replyId: "" }), Code.InvalidArgument);
    await expectCode(grpc.stopReply({ userId: "u", replyId: "" }), Code.InvalidArgument);
    await expectNothingWritten();
  });

  it("an unknown chat or reply is NOT_FOUND on every RPC", async () => {
    const userId = "unknown-ids";
    const chatId = randomUUID();
    const replyId = randomUUID();
    for (const call of [
      () => grpc.sendMessage({ userId, chatId, text: "hi" }),
      () => grpc.getChat({ userId, chatId }),
      () => grpc.renameChat({ userId, chatId, title: "t" }),
      () => grpc.deleteChat({ userId, chatId }),
    ]) {
      expect((await expectCode(call, Code.NotFound)).rawMessage).toBe(`chat ${chatId} not found`);
    }
    for (const call of [
      () => grpc.watchReply({ userId, replyId }),
      () => grpc.stopReply({ userId, replyId }),
    ]) {
      expect((await expectCode(call, Code.NotFound)).rawMessage).toBe(`reply ${replyId} not found`);
    }
    await expectNothingWritten();
  });

  it("a from_offset beyond the reply's length is INVALID_ARGUMENT", async () => {
    const userId = "far-offset";
    const reply = await collectReply(grpc.sendMessage({ userId, text: "hello" }));
    const { replyId } = reply.started!;
    const length = reply.finished!.length;
    const error = await expectCode(
      grpc.watchReply({ userId, replyId, fromOffset: length + 1 }),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toContain(`${length}`);
    // The end itself is fine: started, then finished, no text.
    const atEnd = await collectReply(grpc.watchReply({ userId, replyId, fromOffset: length }));
    expect(atEnd.kinds).toEqual(["started", "finished"]);
  });

  it("a user message id is not a reply: WatchReply and StopReply say NOT_FOUND", async () => {
    const userId = "user-message-id";
    const reply = await collectReply(grpc.sendMessage({ userId, text: "hello" }));
    const replyId = reply.started!.userMessageId;
    harness.simulator.reset();
    before = await rowCounts(harness);
    await expectCode(grpc.watchReply({ userId, replyId }), Code.NotFound);
    await expectCode(grpc.stopReply({ userId, replyId }), Code.NotFound);
    await expectNothingWritten();
  });
});

describe("user_id", () => {
  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["longer than 191 characters", "u".repeat(192)],
    ["padded with whitespace (another user to the database)", "alice "],
  ])("%s is INVALID_ARGUMENT on every RPC", async (_, userId) => {
    const chatId = randomUUID();
    const replyId = randomUUID();
    for (const call of [
      () => grpc.sendMessage({ userId, text: "hi" }),
      () => grpc.listChats({ userId }),
      () => grpc.getChat({ userId, chatId }),
      () => grpc.renameChat({ userId, chatId, title: "t" }),
      () => grpc.deleteChat({ userId, chatId }),
      () => grpc.watchReply({ userId, replyId }),
      () => grpc.stopReply({ userId, replyId }),
    ]) {
      expect((await expectCode(call, Code.InvalidArgument)).rawMessage).toMatch(/user_id/);
    }
    await expectNothingWritten();
  });
});

describe("another user's chat", () => {
  /** Alice's chat as she sees it: what must not change whatever Mallory tries. */
  const snapshot = async (chatId: string) => {
    const { chat, messages } = await grpc.getChat({ userId: "alice", chatId });
    return { chat, messages: messages.map((m) => [m.id, m.role, m.content, m.status]) };
  };

  // "ALICE" is another user too: user ids compare exactly (utf8mb4_bin), not case-insensitively.
  it.each(["mallory", "ALICE", "Alice"])(
    "is NOT_FOUND for %s on every RPC, worded exactly like a missing one, and nothing is written to it",
    async (userId) => {
      const { chatId, replyId } = await aChat("alice", "Alice's secret plan");
      const missingChat = randomUUID();
      const missingReply = randomUUID();
      const aliceBefore = await snapshot(chatId);

      const shape = (message: string, id: string) => message.replace(id, "<id>");
      const attempts: [(id: string) => Call, "chat" | "reply"][] = [
        [(id) => grpc.sendMessage({ userId, chatId: id, text: "mine now" }), "chat"],
        [(id) => grpc.getChat({ userId, chatId: id }), "chat"],
        [(id) => grpc.renameChat({ userId, chatId: id, title: "pwned" }), "chat"],
        [(id) => grpc.deleteChat({ userId, chatId: id }), "chat"],
        [(id) => grpc.watchReply({ userId, replyId: id }), "reply"],
        [(id) => grpc.stopReply({ userId, replyId: id }), "reply"],
      ];
      for (const [attempt, kind] of attempts) {
        const [otherId, absentId] = kind === "chat" ? [chatId, missingChat] : [replyId, missingReply];
        const other = await expectCode(attempt(otherId), Code.NotFound);
        const absent = await expectCode(attempt(absentId), Code.NotFound);
        expect(shape(other.rawMessage, otherId)).toBe(shape(absent.rawMessage, absentId));
        expect(other.rawMessage).not.toMatch(/alice|secret|permission|owner/i);
      }

      expect(await snapshot(chatId)).toEqual(aliceBefore);
      expect((await grpc.listChats({ userId })).chats).toEqual([]);
      await expectNothingWritten();
    },
  );

  it("cannot touch a reply while it is being generated: it completes for its owner", async () => {
    const deltas = ["one", " two", " three", " four", " five", " six", " seven", " eight"];
    harness.simulator.script({ deltas, paceMs: 60 });
    const stream = grpc.sendMessage({ userId: "alice", text: "count slowly" })[Symbol.asyncIterator]();
    const first = await stream.next();
    expect(first.value?.event?.kind.case).toBe("started");
    const started = first.value!.event!.kind.value as ReplyStarted;
    const { chatId, replyId } = started;
    const userId = "mallory";

    // While it is live, a FAILED_PRECONDITION ("still answering") would reveal the chat: NOT_FOUND it is.
    await expectCode(grpc.sendMessage({ userId, chatId, text: "hijack" }), Code.NotFound);
    await expectCode(grpc.stopReply({ userId, replyId }), Code.NotFound);
    await expectCode(grpc.watchReply({ userId, replyId }), Code.NotFound);
    await expectCode(grpc.deleteChat({ userId, chatId }), Code.NotFound);
    await expectCode(grpc.renameChat({ userId, chatId, title: "pwned" }), Code.NotFound);
    await expectCode(grpc.getChat({ userId, chatId }), Code.NotFound);

    const rest = await collectReply({ [Symbol.asyncIterator]: () => stream });
    expect(rest.error).toBeUndefined();
    expect(rest.text).toBe(deltas.join(""));
    expect(rest.finished?.status).toBe(ReplyStatus.COMPLETE);
    const after = await snapshot(chatId);
    expect(after.chat?.title).toBe("count slowly");
    expect(after.messages).toEqual([
      [started.userMessageId, Role.USER, "count slowly", ReplyStatus.COMPLETE],
      [replyId, Role.ASSISTANT, deltas.join(""), ReplyStatus.COMPLETE],
    ]);
    expect(await rowCounts(harness, "mallory")).toEqual({ chats: 0, messages: 0 });
  });
});

describe("rename and paging", () => {
  it.each(["", "   ", "\t\n"])("a blank title %j is INVALID_ARGUMENT and the title stays", async (title) => {
    const { chatId } = await aChat("blank-title", "Keep this title");
    const error = await expectCode(
      grpc.renameChat({ userId: "blank-title", chatId, title }),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toMatch(/title/);
    expect((await grpc.getChat({ userId: "blank-title", chatId })).chat?.title).toBe("Keep this title");
    await expectNothingWritten();
  });

  it("a title over 200 characters is INVALID_ARGUMENT", async () => {
    const { chatId } = await aChat("long-title");
    await expectCode(
      grpc.renameChat({ userId: "long-title", chatId, title: "t".repeat(201) }),
      Code.InvalidArgument,
    );
    await expectNothingWritten();
  });

  it("a bad page token is INVALID_ARGUMENT for ListChats and GetChat", async () => {
    const userId = "bad-pages";
    const { chatId } = await aChat(userId);
    await aChat(userId);
    const chatToken = (await grpc.listChats({ userId, pageSize: 1 })).nextPageToken;
    expect(chatToken).not.toBe("");
    const messageToken = (await grpc.getChat({ userId, chatId, pageSize: 1 })).nextPageToken;
    expect(messageToken).not.toBe("");

    const garbage = ["!!!", "not a token", "x".repeat(500), Buffer.from("c1:abc:def").toString("base64url")];
    for (const pageToken of [...garbage, messageToken]) {
      const error = await expectCode(grpc.listChats({ userId, pageToken }), Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/page cursor is not valid/);
    }
    for (const pageToken of [...garbage, chatToken]) {
      await expectCode(grpc.getChat({ userId, chatId, pageToken }), Code.InvalidArgument);
    }
    await expectNothingWritten();
  });
});

describe("deadlines", () => {
  const listChats = `/parley.chat.v1.ChatService/ListChats`;
  const connectJson = (timeout: string) => ({
    "content-type": "application/json",
    "connect-protocol-version": "1",
    authorization: `Bearer ${testToken}`,
    "connect-timeout-ms": timeout,
  });

  it.each(["abc", "12345678901", "-5", "1.5"])(
    "a bad Connect-Timeout-Ms %j over HTTP/1.1 is HTTP 400 invalid_argument",
    async (timeout) => {
      const response = await fetch(`${harness.baseUrl}${listChats}`, {
        method: "POST",
        headers: connectJson(timeout),
        body: JSON.stringify({ userId: "deadline" }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: "invalid_argument" });
      await expectNothingWritten();
    },
  );

  it("a bad Connect-Timeout-Ms on the SendMessage stream ends it invalid_argument before anything is written", async () => {
    const body = envelope(Buffer.from(JSON.stringify({ userId: "deadline", text: "hello" })));
    const response = await fetch(`${harness.baseUrl}/parley.chat.v1.ChatService/SendMessage`, {
      method: "POST",
      headers: { ...connectJson("abc"), "content-type": "application/connect+json" },
      body,
    });
    const frames = splitEnvelopes(Buffer.from(await response.arrayBuffer()));
    expect(frames.map((f) => f.flags)).toEqual([2]); // only the end-of-stream frame: no events
    expect(JSON.parse(frames[0]!.data.toString())).toMatchObject({ error: { code: "invalid_argument" } });
    await expectNothingWritten();
  });

  it("a bad grpc-timeout is INVALID_ARGUMENT", async () => {
    const request = create(SendMessageRequestSchema, { userId: "deadline", text: "hello" });
    const response = await rawHttp2Post(
      harness.baseUrl,
      "/parley.chat.v1.ChatService/SendMessage",
      {
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${testToken}`,
        "grpc-timeout": "abc",
      },
      envelope(toBinary(SendMessageRequestSchema, request)),
    );
    expect(response.headers["grpc-status"]).toBe(String(Code.InvalidArgument));
    await expectNothingWritten();
  });

  it("a deadline above the server's 60 s maximum is INVALID_ARGUMENT on every protocol", async () => {
    for (const protocol of ["grpc", "connect-h2", "connect-h1", "grpc-web"] as const) {
      const client = harness.client(protocol);
      const error = await expectCode(
        client.sendMessage({ userId: "deadline", text: "hello" }, { timeoutMs: 60_001 }),
        Code.InvalidArgument,
      );
      expect(error.rawMessage).toContain("60000");
      await expectCode(
        client.listChats({ userId: "deadline" }, { timeoutMs: 120_000 }),
        Code.InvalidArgument,
      );
    }
    await expectNothingWritten();
    // The maximum itself is fine.
    expect((await connect.listChats({ userId: "deadline" }, { timeoutMs: 60_000 })).chats).toEqual([]);
  });
});

describe("the Connect JSON path", () => {
  const post = (method: string, body: string | Buffer) =>
    fetch(`${harness.baseUrl}/parley.chat.v1.ChatService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${testToken}` },
      body,
    });

  it.each([
    ["a number for a string", `{"userId": 42}`],
    ["a string for a number", `{"userId": "json", "pageSize": "many"}`],
    ["a negative uint32", `{"userId": "json", "pageSize": -1}`],
    ["an object for a string", `{"userId": {"id": "json"}}`],
    ["not JSON", `{"userId": `],
    ["an array for the message", `["json"]`],
  ])("%s is HTTP 400 invalid_argument", async (_, body) => {
    const response = await post("ListChats", body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
    await expectNothingWritten();
  });

  it("a wrong type in RenameChat changes nothing", async () => {
    const { chatId } = await aChat("json-rename");
    const response = await post(
      "RenameChat",
      JSON.stringify({ userId: "json-rename", chatId, title: ["pwned"] }),
    );
    expect(response.status).toBe(400);
    expect((await grpc.getChat({ userId: "json-rename", chatId })).chat?.title).toBe("hello");
    await expectNothingWritten();
  });

  it("pinned: invalid UTF-8 in a JSON string becomes U+FFFD (Connect decodes JSON leniently)", async () => {
    const { chatId } = await aChat("json-utf8");
    const [head, tail] = JSON.stringify({ userId: "json-utf8", chatId, title: "a|b" }).split("|");
    const body = Buffer.concat([Buffer.from(head!), Buffer.from([0xff]), Buffer.from(tail!)]);
    const response = await post("RenameChat", body);
    expect(response.status).toBe(200);
    expect((await grpc.getChat({ userId: "json-utf8", chatId })).chat?.title).toBe("a\ufffdb");
  });

  it("a lone surrogate in a JSON string is HTTP 400 invalid_argument", async () => {
    const { chatId } = await aChat("json-surrogate");
    const response = await post(
      "RenameChat",
      `{"userId":"json-surrogate","chatId":"${chatId}","title":"a\\ud800b"}`,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
    expect((await grpc.getChat({ userId: "json-surrogate", chatId })).chat?.title).toBe("hello");
    await expectNothingWritten();
  });

  it("pinned: unknown fields are ignored (Connect's default, for forward compatibility)", async () => {
    const response = await post("ListChats", JSON.stringify({ userId: "json-unknown", someFutureField: 1 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });
});

describe("malformed protobuf over gRPC", () => {
  const headers = {
    "content-type": "application/grpc",
    te: "trailers",
    authorization: `Bearer ${testToken}`,
  };
  const path = "/parley.chat.v1.ChatService/SendMessage";

  it.each([
    ["garbage bytes", Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ["a length past the end", Buffer.from([0x1a, 0x7f, 0x61, 0x62])],
    ["an illegal wire type", Buffer.from([0x0f, 0x01])],
    ["invalid UTF-8 in a string field", Buffer.from([0x12, 0x02, 0x75, 0x31, 0x1a, 0x02, 0xc3, 0x28])],
  ])("%s is INVALID_ARGUMENT, nothing is written and the server keeps serving", async (_, payload) => {
    const response = await rawHttp2Post(harness.baseUrl, path, headers, envelope(payload));
    expect(response.status).toBe(200);
    expect(response.headers["grpc-status"]).toBe(String(Code.InvalidArgument));
    expect(decodeURIComponent(response.headers["grpc-message"] ?? "")).toMatch(
      /^the request is not a valid parley\.chat\.v1\.SendMessageRequest: /,
    );
    await expectNothingWritten();
  });

  // The same bytes in every other binary framing: each protocol's own INVALID_ARGUMENT.
  const invalidUtf8 = Buffer.from([0x12, 0x02, 0x75, 0x31, 0x1a, 0x02, 0xc3, 0x28]);
  const auth = { authorization: `Bearer ${testToken}` };
  it("Connect unary (application/proto) over HTTP/1.1: 400 invalid_argument", async () => {
    const response = await fetch(`${harness.baseUrl}/parley.chat.v1.ChatService/ListChats`, {
      method: "POST",
      headers: { "content-type": "application/proto", ...auth },
      body: invalidUtf8,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("Connect streaming (application/connect+proto): an end-stream invalid_argument", async () => {
    const response = await fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/connect+proto", ...auth },
      body: envelope(invalidUtf8),
    });
    const frames = splitEnvelopes(Buffer.from(await response.arrayBuffer()));
    expect(frames.map((frame) => frame.flags)).toEqual([2]);
    expect(JSON.parse(frames[0]!.data.toString())).toMatchObject({ error: { code: "invalid_argument" } });
    await expectNothingWritten();
  });

  it("gRPC-Web: a trailer frame with grpc-status 3", async () => {
    const response = await fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", ...auth },
      body: envelope(invalidUtf8),
    });
    const frames = splitEnvelopes(Buffer.from(await response.arrayBuffer()));
    expect(frames.map((frame) => frame.flags)).toEqual([0x80]);
    expect(frames[0]!.data.toString()).toMatch(/grpc-status: ?3/);
    await expectNothingWritten();
  });

  it("a valid gzip-compressed Connect unary request is served (content-encoding), a broken one refused", async () => {
    const post = (body: Buffer) =>
      fetch(`${harness.baseUrl}/parley.chat.v1.ChatService/ListChats`, {
        method: "POST",
        headers: { "content-type": "application/proto", "content-encoding": "gzip", ...auth },
        body,
      });
    expect((await post(gzipSync(Buffer.from([0x0a, 0x02, 0x75, 0x31])))).status).toBe(200);
    expect((await post(Buffer.from("not gzip"))).status).toBe(400);
  });

  it("a valid binary request still works after the check", async () => {
    const response = await fetch(`${harness.baseUrl}/parley.chat.v1.ChatService/ListChats`, {
      method: "POST",
      headers: { "content-type": "application/proto", ...auth },
      body: Buffer.from([0x0a, 0x02, 0x75, 0x31]), // user_id = "u1"
    });
    expect(response.status).toBe(200);
  });

  const valid = Buffer.from([0x12, 0x02, 0x75, 0x31, 0x1a, 0x02, 0x68, 0x69]); // user_id "u1", text "hi"
  it.each([
    ["a compressed flag with no encoding", envelope(valid, 1)],
    ["unknown envelope flags", envelope(valid, 0x40)],
    ["two messages for a single-message call", Buffer.concat([envelope(valid), envelope(valid)])],
  ])("%s is INVALID_ARGUMENT, nothing is written", async (_, body) => {
    const response = await rawHttp2Post(harness.baseUrl, path, headers, body);
    expect(response.headers["grpc-status"]).toBe(String(Code.InvalidArgument));
    await expectNothingWritten();
  });

  it("a body shorter than its envelope says is refused, nothing is written", async () => {
    const truncated = Buffer.concat([Buffer.from([0, 0, 0, 0, 100]), Buffer.from("abc")]);
    const response = await rawHttp2Post(harness.baseUrl, path, headers, truncated);
    expect(response.headers["grpc-status"]).toBe(String(Code.InvalidArgument));
    await expectNothingWritten();
  });
});

describe("a message that cannot fit the context window", () => {
  let tiny: Harness;
  beforeAll(async () => {
    tiny = await startParley({ settings: { limits: { contextWindow: 200, maxOutputTokens: 100 } } });
  });
  afterAll(() => tiny?.stop());

  it("is INVALID_ARGUMENT with the numbers, before any write or upstream request", async () => {
    const client = tiny.client("grpc");
    const counter = createTiktokenTokenCounter("o200k_base");
    const text = "lorem ipsum dolor sit amet ".repeat(30);
    // system prompt + its overhead (3) + the message + its overhead (3); the budget is 200 − 100 − 3
    const needed = counter.count("You are a test.") + 3 + counter.count(text) + 3;
    expect(needed).toBeGreaterThan(97);

    const error = await expectCode(client.sendMessage({ userId: "tiny", text }), Code.InvalidArgument);
    expect(error.rawMessage).toBe(
      `the message needs ${needed} tokens with the system prompt, but only 97 of the 200-token context window ` +
        "are left after reserving 100 for the answer; shorten it",
    );
    expect(tiny.simulator.requests).toHaveLength(0);
    expect(await rowCounts(tiny)).toEqual({ chats: 0, messages: 0 });

    // In an existing chat too: the chat keeps its two messages.
    const ok = await collectReply(client.sendMessage({ userId: "tiny", text: "short" }));
    expect(ok.finished?.status).toBe(ReplyStatus.COMPLETE);
    const chatId = ok.started!.chatId;
    await expectCode(client.sendMessage({ userId: "tiny", chatId, text }), Code.InvalidArgument);
    expect(tiny.simulator.requests).toHaveLength(1);
    expect(await rowCounts(tiny)).toEqual({ chats: 1, messages: 2 });
  });
});
