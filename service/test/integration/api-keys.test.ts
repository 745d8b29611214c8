// Personal API keys over real sockets and a real MariaDB: created with the service token (shown once,
// stored as a hash), then used as the key's user on every protocol, with buf curl, @grpc/grpc-js and
// POST /chat; wrong, revoked and expired keys are UNAUTHENTICATED; another user's user_id is
// PERMISSION_DENIED and another user's chat NOT_FOUND. The key cache's clock is a test clock, so the
// revocation bound (API_KEY_CACHE_MS) is checked exactly, without sleeping.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMysqlApiKeyStore } from "../../src/adapters/mysql/mysql-api-key-store.js";
import { bufCurl } from "../support/buf-curl.js";
import { protocols, startParley, testToken, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode, rowCounts } from "../support/rpc-probes.js";

const cacheMs = 5_000;
/** The key cache's and expiry's clock: stands still at the test's start, moved on by hand. */
let startMs = Date.now();
let skewMs = 0;
const keyClock = { now: () => new Date(startMs + skewMs) };

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({ keyClock, keyCacheMs: cacheMs });
});
afterAll(() => harness?.stop());
beforeEach(() => {
  harness.simulator.reset();
  startMs = Date.now();
  skewMs = 0;
});

const keys = () => createClient(ApiKeyService, harness.transport("connect-h1"));
const reasonOf = (error: ConnectError) => error.findDetails(ErrorInfoSchema).map((info) => info.reason);

async function newKey(userId: string, options: { expireTime?: Date } = {}) {
  const created = await keys().createApiKey({
    userId,
    name: "test key",
    ...(options.expireTime && { expireTime: timestampFromDate(options.expireTime) }),
  });
  return { key: created.key, id: created.apiKey!.id, prefix: created.apiKey!.prefix };
}

describe("creating and listing keys", () => {
  it("returns the key once; the list and the database hold only its prefix and hash", async () => {
    const created = await keys().createApiKey({ userId: "ada", name: "  laptop  " });
    expect(created.key).toMatch(/^pk_[0-9A-Za-z]{8}_[0-9A-Za-z_-]{43}$/);
    expect(created.apiKey).toMatchObject({ name: "laptop", prefix: created.key.slice(0, 11) });
    expect(created.apiKey!.expireTime).toBeUndefined();

    const listed = await keys().listApiKeys({ userId: "ada" });
    expect(listed.apiKeys.map((k) => k.id)).toEqual([created.apiKey!.id]);
    // What goes over the wire (Connect JSON) names the key by id and prefix only.
    const wire = await fetch(`${harness.baseUrl}/parley.keys.v1.ApiKeyService/ListApiKeys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${testToken}` },
      body: JSON.stringify({ userId: "ada" }),
    }).then((response) => response.text());
    expect(wire).toContain(created.apiKey!.prefix);
    expect(wire).not.toContain(created.key.slice(12));
    expect(wire).not.toMatch(/hash/i);
    expect((await keys().listApiKeys({ userId: "someone-else" })).apiKeys).toEqual([]);

    const [rows] = await harness.database.pool.query<RowDataPacket[]>("SELECT * FROM api_keys WHERE id = ?", [
      created.apiKey!.id,
    ]);
    expect(rows[0]!["hash"]).toBe(createHash("sha256").update(created.key).digest("hex"));
    expect(JSON.stringify(rows[0])).not.toContain(created.key.slice(12));
  });

  it("refuses a blank name, an expiry in the past and a missing user", async () => {
    await expectCode(keys().createApiKey({ userId: "ada", name: " " }), Code.InvalidArgument);
    await expectCode(
      keys().createApiKey({
        userId: "ada",
        name: "old",
        expireTime: timestampFromDate(new Date(Date.now() - 1_000)),
      }),
      Code.InvalidArgument,
    );
    await expectCode(keys().createApiKey({ userId: "", name: "x" }), Code.InvalidArgument);
  });

  it("a personal key cannot manage keys, not even its own user's", async () => {
    const { key, id } = await newKey("key-admin");
    const withKey = createClient(ApiKeyService, harness.transport("grpc", key));
    for (const call of [
      () => withKey.createApiKey({ userId: "key-admin", name: "more" }),
      () => withKey.listApiKeys({ userId: "" }),
      () => withKey.revokeApiKey({ userId: "key-admin", keyId: id }),
    ]) {
      expect(reasonOf(await expectCode(call, Code.PermissionDenied))).toEqual(["key.not_allowed"]);
    }
    expect((await keys().listApiKeys({ userId: "key-admin" })).apiKeys).toHaveLength(1);
  });

  it("revoking another user's key is NOT_FOUND and leaves it working", async () => {
    const { key, id } = await newKey("owner");
    const error = await expectCode(keys().revokeApiKey({ userId: "thief", keyId: id }), Code.NotFound);
    expect(reasonOf(error)).toEqual(["key.not_found"]);
    const reply = await collectReply(harness.client("grpc", key).sendMessage({ text: "still mine" }));
    expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  });
});

describe.each(protocols)("a key over %s", (protocol) => {
  it("acts as its user with user_id empty or naming that user", async () => {
    const user = `key-user-${protocol}`;
    const { key } = await newKey(user);
    const client = harness.client(protocol, key);
    const first = await collectReply(client.sendMessage({ text: "hi" }));
    expect(first.finished?.status).toBe(ReplyStatus.COMPLETE);
    const second = await collectReply(
      client.sendMessage({ userId: user, chatId: first.started!.chatId, text: "again" }),
    );
    expect(second.finished?.status).toBe(ReplyStatus.COMPLETE);
    expect(await rowCounts(harness, user)).toEqual({ chats: 1, messages: 4 });
    expect((await client.listChats({})).chats.map((c) => c.id)).toEqual([first.started!.chatId]);
  });

  it("naming another user is PERMISSION_DENIED and writes nothing", async () => {
    const { key } = await newKey(`honest-${protocol}`);
    const client = harness.client(protocol, key);
    const before = await rowCounts(harness);
    const error = await expectCode(
      client.sendMessage({ userId: "victim", text: "hi" }),
      Code.PermissionDenied,
    );
    expect(reasonOf(error)).toEqual(["key.user_mismatch"]);
    await expectCode(client.listChats({ userId: "victim" }), Code.PermissionDenied);
    expect(await rowCounts(harness)).toEqual(before);
    expect(harness.simulator.requests).toHaveLength(0);
  });

  it("another user's chat is NOT_FOUND, like a missing one", async () => {
    const theirs = await collectReply(
      harness.client(protocol).sendMessage({ userId: "other", text: "secret" }),
    );
    const { key } = await newKey(`nosy-${protocol}`);
    const client = harness.client(protocol, key);
    const chatId = theirs.started!.chatId;
    await expectCode(client.getChat({ chatId }), Code.NotFound);
    await expectCode(client.sendMessage({ chatId, text: "hi" }), Code.NotFound);
    await expectCode(client.deleteChat({ chatId }), Code.NotFound);
  });

  it("a wrong key is UNAUTHENTICATED: unknown, or the right prefix with a wrong secret", async () => {
    const { key } = await newKey(`wrong-${protocol}`);
    const tampered = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    const unknown = `pk_00000000_${"x".repeat(43)}`;
    for (const wrong of [tampered, unknown]) {
      const error = await expectCode(
        harness.client(protocol, wrong).sendMessage({ text: "hi" }),
        Code.Unauthenticated,
      );
      expect(error.rawMessage).toMatch(/unknown API key/);
    }
    expect(harness.simulator.requests).toHaveLength(0);
  });
});

describe("revocation and expiry", () => {
  it("a key revoked on this replica is refused at once", async () => {
    const { key, id } = await newKey("revoked-here");
    const client = harness.client("grpc", key);
    await client.listChats({});
    const revoked = await keys().revokeApiKey({ userId: "revoked-here", keyId: id });
    expect(revoked.apiKey?.revokeTime).toBeDefined();
    const error = await expectCode(client.listChats({}), Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/revoked/);
    // Revoking again changes nothing.
    const again = await keys().revokeApiKey({ userId: "revoked-here", keyId: id });
    expect(again.apiKey?.revokeTime).toEqual(revoked.apiKey?.revokeTime);
  });

  it("a key revoked elsewhere is refused once the cache lifetime has passed, not later", async () => {
    const { key, id } = await newKey("revoked-elsewhere");
    const client = harness.client("grpc", key);
    await client.listChats({});
    // Another replica revokes it: straight in the shared database.
    await createMysqlApiKeyStore(harness.database.db).revoke("revoked-elsewhere", id, new Date());
    skewMs = cacheMs - 1;
    await client.listChats({});
    skewMs = cacheMs;
    const error = await expectCode(client.listChats({}), Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/revoked/);
  });

  it("an expired key is UNAUTHENTICATED from its expiry on, cached or not", async () => {
    const expireTime = new Date(Date.now() + 60 * 60_000);
    const { key } = await newKey("expiring", { expireTime });
    const client = harness.client("connect-h2", key);
    await client.listChats({});
    skewMs = expireTime.getTime() - startMs;
    const error = await expectCode(client.listChats({}), Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/expired/);
    const listed = await keys().listApiKeys({ userId: "expiring" });
    expect(listed.apiKeys[0]!.expireTime).toBeDefined();
    expect(listed.apiKeys[0]!.lastUseTime).toBeDefined();
  });
});

describe("foreign clients", () => {
  it("buf curl, with the key for the call and for reflection, and no user_id", async () => {
    const { key } = await newKey("buf-key");
    harness.simulator.script({ deltas: ["By", " key"] });
    const auth = `authorization: Bearer ${key}`;
    const { stdout } = await bufCurl([
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "-H",
      auth,
      "--reflect-header",
      auth,
      "-d",
      JSON.stringify({ text: "hello" }),
      `${harness.baseUrl}/parley.chat.v1.ChatService/SendMessage`,
    ]);
    expect(stdout).toContain("REPLY_STATUS_COMPLETE");
    expect(await rowCounts(harness, "buf-key")).toEqual({ chats: 1, messages: 2 });
  });

  function grpcJsClient(protoPath: string, pkg: string[], service: string) {
    const definition = protoLoader.loadSync(fileURLToPath(new URL(protoPath, import.meta.url)), {
      keepCase: true,
      oneofs: true,
      includeDirs: [fileURLToPath(new URL("../../../proto", import.meta.url))],
    });
    let scope = grpc.loadPackageDefinition(definition) as grpc.GrpcObject;
    for (const name of pkg) scope = scope[name] as grpc.GrpcObject;
    const Service = scope[service] as grpc.ServiceClientConstructor;
    return new Service(`127.0.0.1:${harness.port}`, grpc.credentials.createInsecure());
  }

  function stream<T>(client: grpc.Client, method: string, request: object, key: string): Promise<T[]> {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${key}`);
    const call = (
      client as unknown as Record<string, (r: object, m: grpc.Metadata) => grpc.ClientReadableStream<T>>
    )[method]!.call(client, request, metadata);
    return new Promise((resolve, reject) => {
      const responses: T[] = [];
      call.on("data", (response: T) => responses.push(response));
      call.on("error", reject);
      call.on("end", () => resolve(responses));
    });
  }

  it("@grpc/grpc-js: SendMessage and the legacy ChatStream with no or own user_id; another's is refused", async () => {
    const { key } = await newKey("grpc-js-key");
    const chat = grpcJsClient(
      "../../../proto/parley/chat/v1/chat.proto",
      ["parley", "chat", "v1"],
      "ChatService",
    );
    const events = await stream<{ event: { kind: string } }>(chat, "SendMessage", { text: "hi" }, key);
    expect(events.map((e) => e.event.kind).at(-1)).toBe("finished");
    await stream(chat, "SendMessage", { user_id: "grpc-js-key", text: "hi" }, key);
    await expect(stream(chat, "SendMessage", { user_id: "victim", text: "hi" }, key)).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    chat.close();

    const legacy = grpcJsClient("../../../proto/pb/chat.proto", ["pb"], "ChatService");
    const responses = await stream<{ user_id: string; content: string }>(
      legacy,
      "chatStream",
      { user_message: "hello" },
      key,
    );
    expect(responses.at(-1)).toMatchObject({ user_id: "grpc-js-key", content: expect.any(String) });
    legacy.close();
    expect((await rowCounts(harness, "grpc-js-key")).chats).toBe(3);
  });

  it("POST /chat with a key: user_id optional, another user's is 403, a revoked key 401", async () => {
    const { key, id } = await newKey("http-key");
    const post = (body: object) =>
      fetch(`${harness.baseUrl}/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
    const ok = await post({ user_message: "hi" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ user_id: "http-key", content: expect.any(String) });
    expect((await post({ user_id: "http-key", user_message: "hi" })).status).toBe(200);
    const denied = await post({ user_id: "victim", user_message: "hi" });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: "key.user_mismatch" } });

    await keys().revokeApiKey({ userId: "http-key", keyId: id });
    const refused = await post({ user_message: "hi" });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "unauthenticated" } });
    expect(await rowCounts(harness, "victim")).toEqual({ chats: 0, messages: 0 });
  });
});
