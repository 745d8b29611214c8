// Several providers at once and a model per chat, on real parts: two simulators on their own ports are two
// providers (each with its own key), a third provider is down. A chat goes to its model's provider with
// that provider's key only; a provider that is down gives a clear error or the model's fallback; token
// counts follow the chat's model's encoding, and a chat moved to another encoding is counted again lazily.
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Code, createClient, type ConnectError } from "@connectrpc/connect";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import { ModelService } from "@parley/gen/parley/models/v1/models_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMysqlTokenCountStore } from "../../src/adapters/mysql/mysql-token-count-store.js";
import { createOpenAIChatModel } from "../../src/adapters/openai/openai-chat-model.js";
import { createRoutingChatModel } from "../../src/adapters/openai/routing-chat-model.js";
import {
  createTiktokenTokenCounter,
  createTiktokenTokenCounters,
} from "../../src/adapters/tiktoken/tiktoken-token-counter.js";
import { costMicros, createModelCatalog, type ModelEntry } from "../../src/application/model-catalog.js";
import type { StoredTokenCount } from "../../src/application/models/token-count-store.js";
import type { ChatModel } from "../../src/application/replies/chat-model.js";
import { createSimulator, type Simulator } from "../../src/simulator/simulator.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode, rowCounts, streamingReplies } from "../support/rpc-probes.js";
import { bearerAuth } from "@parley/test-support";
import { createConnectTransport } from "@connectrpc/connect-node";

const o200k = createTiktokenTokenCounter("o200k_base");
const cl100k = createTiktokenTokenCounter("cl100k_base");
const systemPrompt = "You are a test.";

const model = (entry: Partial<ModelEntry> & Pick<ModelEntry, "id" | "providerId">): ModelEntry => ({
  displayName: entry.id,
  upstreamModel: entry.id,
  contextWindow: 128_000,
  maxOutputTokens: 1_000,
  encoding: "o200k_base",
  price: { input: 0, output: 0 },
  fallback: null,
  ...entry,
});

const catalog = createModelCatalog([
  model({ id: "alpha", providerId: "a", upstreamModel: "gpt-4o-mini", price: { input: 1, output: 2 } }),
  model({
    id: "beta",
    providerId: "b",
    upstreamModel: "gpt-4",
    displayName: "Beta",
    contextWindow: 8_192,
    maxOutputTokens: 500,
    encoding: "cl100k_base",
    price: { input: 30, output: 60 },
  }),
  // A small window, so that only the newest part of a long history fits.
  model({
    id: "tiny",
    providerId: "b",
    upstreamModel: "gpt-4-tiny",
    contextWindow: 220,
    maxOutputTokens: 50,
    encoding: "cl100k_base",
  }),
  model({ id: "gone", providerId: "down", upstreamModel: "gone-model" }),
  model({ id: "rescued", providerId: "down", upstreamModel: "rescued-model", fallback: "alpha" }),
]);

/** A port nobody listens on: connections are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const savedCounts: StoredTokenCount[] = [];
let providerA: Simulator;
let providerB: Simulator;
let harness: Harness;
let client: ReturnType<Harness["client"]>;

beforeAll(async () => {
  providerA = createSimulator({ paceMs: 0 });
  providerB = createSimulator({ paceMs: 0 });
  const [urlA, urlB, down] = await Promise.all([
    providerA.listen(0, "127.0.0.1"),
    providerB.listen(0, "127.0.0.1"),
    deadPort(),
  ]);
  const provider = (apiKey: string, baseURL: string): ChatModel =>
    createOpenAIChatModel({ apiKey, baseURL, idleTimeoutMs: 2_000, maxRetries: 0 });
  const providers = new Map([
    ["a", provider("key-a", urlA)],
    ["b", provider("key-b", urlB)],
    ["down", provider("key-down", `http://127.0.0.1:${down}/v1`)],
  ]);
  harness = await startParley({
    model: createRoutingChatModel({ catalog, providers }),
    modelsOn: (database) => {
      const store = createMysqlTokenCountStore(database.db);
      return {
        catalog,
        counterFor: createTiktokenTokenCounters(),
        // Every count handed to the store is seen here first (the store is asked before the model is).
        tokenCounts: {
          countsOf: (ids, encoding) => store.countsOf(ids, encoding),
          saveCounts: (counts) => {
            savedCounts.push(...counts);
            return store.saveCounts(counts);
          },
        },
      };
    },
    settings: {
      model: "alpha",
      limits: { contextWindow: 128_000, maxOutputTokens: 1_000 },
      systemPrompt,
      systemPromptTokens: o200k.count(systemPrompt),
    },
  });
  client = harness.client("grpc");
});
afterAll(async () => {
  await harness?.stop();
  await providerA?.close();
  await providerB?.close();
});
beforeEach(() => {
  providerA.reset();
  providerB.reset();
});

const send = (userId: string, text: string, extra: { chatId?: string; model?: string } = {}) =>
  collectReply(client.sendMessage({ userId, text, ...extra }));

const authorizations = (simulator: Simulator) =>
  simulator.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => r.headers.authorization);

const reasonOf = (error: ConnectError) => error.findDetails(ErrorInfoSchema)[0]?.reason;

interface StoredMessage {
  id: string;
  seq: number;
  content: string;
  tokenCount: number;
  tokenEncoding: string | null;
}

async function storedMessages(chatId: string): Promise<StoredMessage[]> {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT id, seq, content, token_count, token_encoding FROM messages WHERE chat_id = ? ORDER BY seq",
    [chatId],
  );
  return rows.map((row) => ({
    id: row["id"] as string,
    seq: row["seq"] as number,
    content: row["content"] as string,
    tokenCount: row["token_count"] as number,
    tokenEncoding: row["token_encoding"] as string | null,
  }));
}

async function recounted(chatId: string): Promise<Map<string, { encoding: string; tokenCount: number }>> {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    `SELECT t.message_id, t.encoding, t.token_count FROM message_token_counts t
       JOIN messages m ON m.id = t.message_id WHERE m.chat_id = ?`,
    [chatId],
  );
  return new Map(
    rows.map((row) => [
      row["message_id"] as string,
      { encoding: row["encoding"] as string, tokenCount: row["token_count"] as number },
    ]),
  );
}

describe("ListModels", () => {
  it("lists every configured model, the default first, with its window, output cap and price", async () => {
    const models = createClient(
      ModelService,
      createConnectTransport({
        baseUrl: harness.baseUrl,
        httpVersion: "2",
        interceptors: [bearerAuth(testToken)],
      }),
    );
    const response = await models.listModels({});
    expect(response.defaultModel).toBe("alpha");
    expect(response.models.map((m) => m.id)).toEqual(["alpha", "beta", "tiny", "gone", "rescued"]);
    const beta = response.models[1]!;
    expect({
      id: beta.id,
      displayName: beta.displayName,
      providerId: beta.providerId,
      contextWindow: beta.contextWindow,
      maxOutputTokens: beta.maxOutputTokens,
      encoding: beta.encoding,
      input: beta.price?.inputUsdPerMillionTokens,
      output: beta.price?.outputUsdPerMillionTokens,
      currency: beta.price?.currencyCode,
    }).toEqual({
      id: "beta",
      displayName: "Beta",
      providerId: "b",
      contextWindow: 8_192,
      maxOutputTokens: 500,
      encoding: "cl100k_base",
      input: 30,
      output: 60,
      currency: "USD",
    });
  });

  it("answers a personal API key too", async () => {
    const keys = createClient(ApiKeyService, harness.transport("connect-h1"));
    const { key } = await keys.createApiKey({ userId: randomUUID(), name: "models" });
    const models = createClient(ModelService, harness.transport("grpc", key));
    expect((await models.listModels({})).defaultModel).toBe("alpha");
  });

  it("is refused without a token", async () => {
    const models = createClient(
      ModelService,
      createConnectTransport({ baseUrl: harness.baseUrl, httpVersion: "2" }),
    );
    await expectCode(models.listModels({}), Code.Unauthenticated);
  });
});

describe("a model per chat, across providers", () => {
  it("sends a chat to its model's provider, under the upstream name, with that provider's key only", async () => {
    const userId = randomUUID();
    const onBeta = await send(userId, "Which model are you?", { model: "beta" });
    expect(onBeta.error).toBeUndefined();
    expect(onBeta.started?.model).toBe("beta");
    expect(onBeta.started?.context?.contextWindow).toBe(8_192);
    expect(onBeta.started?.context?.maxOutputTokens).toBe(500);
    expect(onBeta.text).toMatch(/^\*\(simulated reply by gpt-4: /);
    expect(providerB.requests.map((r) => (r.body as { model: string }).model)).toEqual(["gpt-4"]);
    expect(authorizations(providerA)).toEqual([]);

    // The chat remembers its model: the next message goes to provider b again, without naming it.
    const chatId = onBeta.started!.chatId;
    await send(userId, "And again?", { chatId });
    const onDefault = await send(userId, "A new chat, no model named.");
    expect(onDefault.started?.model).toBe("alpha");
    expect(onDefault.text).toMatch(/^\*\(simulated reply by gpt-4o-mini: /);
    expect(authorizations(providerB)).toEqual(["Bearer key-b", "Bearer key-b"]);
    expect(authorizations(providerA)).toEqual(["Bearer key-a"]);

    const { chats } = await client.listChats({ userId });
    expect(chats.map((c) => [c.model, c.contextWindow])).toEqual([
      ["alpha", 128_000],
      ["beta", 8_192],
    ]);
    const { chat } = await client.getChat({ userId, chatId });
    expect(chat?.model).toBe("beta");
  });

  it("changes an existing chat's model with SetChatModel, or by naming another model in SendMessage", async () => {
    const userId = randomUUID();
    const first = await send(userId, "Start on alpha.");
    const chatId = first.started!.chatId;
    const { chat } = await client.setChatModel({ userId, chatId, model: "beta" });
    expect([chat?.model, chat?.contextWindow]).toEqual(["beta", 8_192]);
    const second = await send(userId, "Now on beta?", { chatId });
    expect(second.started?.model).toBe("beta");
    const third = await send(userId, "Back to alpha.", { chatId, model: "alpha" });
    expect(third.started?.model).toBe("alpha");
    expect((await client.getChat({ userId, chatId })).chat?.model).toBe("alpha");
    expect(authorizations(providerA)).toEqual(["Bearer key-a", "Bearer key-a"]);
    expect(authorizations(providerB)).toEqual(["Bearer key-b"]);
  });

  it("refuses a model that is not configured with INVALID_ARGUMENT naming it, writing nothing", async () => {
    const userId = randomUUID();
    const refused = await expectCode(
      client.sendMessage({ userId, text: "Hello", model: "gpt-9000" }),
      Code.InvalidArgument,
    );
    expect(refused.rawMessage).toContain('"gpt-9000"');
    expect(reasonOf(refused)).toBe("model.unknown");
    expect(await rowCounts(harness, userId)).toEqual({ chats: 0, messages: 0 });

    const chatId = (await send(userId, "Hello")).started!.chatId;
    const badSet = await expectCode(
      client.setChatModel({ userId, chatId, model: "nope" }),
      Code.InvalidArgument,
    );
    expect(reasonOf(badSet)).toBe("model.unknown");
    await expectCode(client.setChatModel({ userId: randomUUID(), chatId, model: "beta" }), Code.NotFound);
    expect((await client.getChat({ userId, chatId })).chat?.model).toBe("alpha");
  });
});

describe("a provider that is down", () => {
  it("fails the reply with a clear UNAVAILABLE when the model has no fallback", async () => {
    const reply = await send(randomUUID(), "Anyone there?", { model: "gone" });
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(reply.error?.code).toBe(Code.Unavailable);
    expect(reasonOf(reply.error!)).toBe("upstream.unavailable");
    expect(authorizations(providerA)).toEqual([]);
    expect(authorizations(providerB)).toEqual([]);
    expect(await streamingReplies(harness)).toBe(0);
  });

  it("answers with the model's fallback, priced as the fallback", async () => {
    const reply = await send(randomUUID(), "Anyone there?", { model: "rescued" });
    expect(reply.error).toBeUndefined();
    expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
    expect(reply.started?.model).toBe("rescued");
    expect(reply.text).toMatch(/^\*\(simulated reply by gpt-4o-mini: /);
    expect(authorizations(providerA)).toEqual(["Bearer key-a"]);
    const usage = reply.finished!.usage!;
    const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT cost_micros FROM messages WHERE id = ?",
      [reply.started!.replyId],
    );
    expect(Number(row!["cost_micros"])).toBe(
      costMicros({ input: 1, output: 2 }, usage.promptTokens, usage.completionTokens),
    );
  });
});

describe("token counts follow the chat's model", () => {
  it("estimates a cut answer's usage with its model's encoding and price", async () => {
    const cut = "東京の天気は雨でしょうか。";
    expect(cl100k.count(cut)).not.toBe(o200k.count(cut));
    providerB.script({ deltas: [cut, "晴れです。"], fault: { kind: "reset", afterDeltas: 1 } });
    const reply = await send(randomUUID(), "Weather?", { model: "beta" });
    expect(reply.finished?.status).toBe(ReplyStatus.INCOMPLETE);
    const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
      `SELECT content, token_count, token_encoding, prompt_tokens, completion_tokens, usage_source, cost_micros
         FROM messages WHERE id = ?`,
      [reply.started!.replyId],
    );
    const prompt = reply.started!.context!.tokensUsed;
    const completion = cl100k.count(cut);
    expect({ ...row, cost_micros: Number(row!["cost_micros"]) }).toEqual({
      content: cut,
      token_count: completion,
      token_encoding: "cl100k_base",
      prompt_tokens: prompt,
      completion_tokens: completion,
      usage_source: "estimate",
      cost_micros: costMicros({ input: 30, output: 60 }, prompt, completion),
    });
  });

  const question = (i: number) => `Question ${i}: 東京の天気はどうですか？今日は雨が降るでしょうか。`;
  const answer = (i: number) => `Answer ${i}: 明日は晴れるでしょう。傘はいりません。`;

  it("stores counts in the model's encoding and counts a moved chat again only as far as the window reads", async () => {
    const userId = randomUUID();
    expect(o200k.count(question(1))).not.toBe(cl100k.count(question(1)));
    let chatId: string | undefined;
    for (let i = 1; i <= 4; i++) {
      providerA.script({ text: answer(i) });
      const reply = await send(userId, question(i), chatId ? { chatId } : {});
      expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
      chatId = reply.started!.chatId;
    }
    const before = await storedMessages(chatId!);
    expect(before.map((m) => [m.tokenEncoding, m.tokenCount])).toEqual(
      before.map((m) => ["o200k_base", o200k.count(m.content)]),
    );

    await client.setChatModel({ userId, chatId: chatId!, model: "tiny" });
    providerB.script({ text: answer(5) });
    const moved = await send(userId, question(5), { chatId: chatId! });
    expect(moved.finished?.status).toBe(ReplyStatus.COMPLETE);
    const left = moved.started!.context!.messagesLeftOut;
    const taken = before.length - left;
    expect(left).toBeGreaterThan(0);
    expect(taken).toBeGreaterThan(0);

    // The fitter read the `taken` newest messages and one more (the first that did not fit): exactly
    // those were counted again, in cl100k, and stored.
    const read = before.slice(-(taken + 1));
    await expect.poll(async () => (await recounted(chatId!)).size).toBe(taken + 1);
    const counts = await recounted(chatId!);
    expect(read.map((m) => counts.get(m.id))).toEqual(
      read.map((m) => ({ encoding: "cl100k_base", tokenCount: cl100k.count(m.content) })),
    );
    // The window was fitted with cl100k numbers only.
    const history = before.slice(-taken).reduce((sum, m) => sum + cl100k.count(m.content) + 3, 0);
    const fixed = cl100k.count(systemPrompt) + 3 + cl100k.count(question(5)) + 3 + 3;
    expect(moved.started!.context!.tokensUsed).toBe(fixed + history);
    // The new turn is stored in the chat's new encoding.
    const after = (await storedMessages(chatId!)).slice(-2);
    expect(after.map((m) => [m.tokenEncoding, m.tokenCount])).toEqual(
      after.map((m) => ["cl100k_base", cl100k.count(m.content)]),
    );

    // The next turn reads the stored counts: nothing is counted again.
    const savedBefore = savedCounts.length;
    providerB.script({ text: answer(6) });
    const next = await send(userId, question(6), { chatId: chatId! });
    expect(next.finished?.status).toBe(ReplyStatus.COMPLETE);
    // Of the 10 messages before it, more than the 2 written in cl100k were read: stored counts were used.
    expect(next.started!.context!.messagesLeftOut).toBeLessThan(8);
    expect(savedCounts.length).toBe(savedBefore);
  });
});
