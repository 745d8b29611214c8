// A turn is one transaction before the model call, whatever model the chat is on: with several models the
// chat's model comes from startTurn's transaction (no read of the chat before it), the user's message is
// counted in that model's encoding, and a model named in SendMessage moves the chat in the same transaction.
import { randomUUID } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAIChatModel } from "../../src/adapters/openai/openai-chat-model.js";
import { createMysqlTokenCountStore } from "../../src/adapters/mysql/mysql-token-count-store.js";
import {
  createTiktokenTokenCounter,
  createTiktokenTokenCounters,
} from "../../src/adapters/tiktoken/tiktoken-token-counter.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import { createModelCatalog, type ModelEntry } from "../../src/application/model-catalog.js";
import type { ChatModel } from "../../src/application/replies/chat-model.js";
import { createSimulator, type Simulator } from "../../src/simulator/simulator.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply } from "../support/rpc-probes.js";

const model = (entry: Pick<ModelEntry, "id" | "encoding">): ModelEntry => ({
  providerId: "sim",
  displayName: entry.id,
  upstreamModel: entry.id,
  contextWindow: 128_000,
  maxOutputTokens: 1_000,
  price: { input: 0, output: 0 },
  fallback: null,
  ...entry,
});
const catalog = createModelCatalog([
  model({ id: "alpha", encoding: "o200k_base" }),
  model({ id: "beta", encoding: "cl100k_base" }),
]);
// A text whose counts differ between the two encodings.
const text = "Räksmörgås, naïve café — 東京 and ünïcödé tokenization differs here.";

/** The chat repository's calls, in order, and the ones made before the model was called. */
const calls: string[] = [];
let beforeModel: string[] | null = null;
const counting = (repository: ChatRepository): ChatRepository =>
  new Proxy(repository, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });

let simulator: Simulator;
let harness: Harness;
let client: ReturnType<Harness["client"]>;

beforeAll(async () => {
  simulator = createSimulator({ paceMs: 0 });
  const url = await simulator.listen(0, "127.0.0.1");
  const upstream = createOpenAIChatModel({
    apiKey: "key",
    baseURL: url,
    idleTimeoutMs: 2_000,
    maxRetries: 0,
  });
  const watched: ChatModel = {
    stream(request, signal) {
      beforeModel ??= [...calls];
      return upstream.stream(request, signal);
    },
  };
  harness = await startParley({
    model: watched,
    wrapRepository: counting,
    modelsOn: (database) => ({
      catalog,
      counterFor: createTiktokenTokenCounters(),
      tokenCounts: createMysqlTokenCountStore(database.db),
    }),
    settings: { model: "alpha", limits: { contextWindow: 128_000, maxOutputTokens: 1_000 } },
  });
  client = harness.client("grpc");
});
afterAll(async () => {
  await harness?.stop();
  await simulator?.close();
});
beforeEach(() => {
  simulator.reset();
});

/** Sends, and returns the repository calls made before the model was called. */
async function send(userId: string, extra: { chatId?: string; model?: string }) {
  calls.length = 0;
  beforeModel = null;
  const reply = await collectReply(client.sendMessage({ userId, text, ...extra }));
  return { reply, before: beforeModel };
}

async function userMessage(chatId: string, seq: number) {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT token_count, token_encoding FROM messages WHERE chat_id = ? AND seq = ?",
    [chatId, seq],
  );
  return { tokenCount: rows[0]?.["token_count"] as number, encoding: rows[0]?.["token_encoding"] as string };
}

describe("a turn on a chat whose model is not the default", () => {
  it("is one transaction before the model call, counted in the chat's model's encoding", async () => {
    const userId = randomUUID();
    const first = await send(userId, {});
    const chatId = first.reply.started!.chatId;
    await client.setChatModel({ userId, chatId, model: "beta" });

    const second = await send(userId, { chatId });
    expect(second.before).toEqual(["startTurn"]);
    expect(second.reply.started?.model).toBe("beta");
    expect(await userMessage(chatId, 3)).toEqual({
      tokenCount: createTiktokenTokenCounter("cl100k_base").count(text),
      encoding: "cl100k_base",
    });
    expect(createTiktokenTokenCounter("cl100k_base").count(text)).not.toBe(
      createTiktokenTokenCounter("o200k_base").count(text),
    );
  });

  it("naming another model moves the chat in the same transaction", async () => {
    const userId = randomUUID();
    const chatId = (await send(userId, {})).reply.started!.chatId;
    expect(await userMessage(chatId, 1)).toMatchObject({ encoding: "o200k_base" });

    const moved = await send(userId, { chatId, model: "beta" });
    expect(moved.before).toEqual(["startTurn"]);
    expect(moved.reply.started?.model).toBe("beta");
    expect((await client.getChat({ userId, chatId })).chat?.model).toBe("beta");
    expect(await userMessage(chatId, 3)).toMatchObject({ encoding: "cl100k_base" });

    const back = await send(userId, { chatId });
    expect(back.before).toEqual(["startTurn"]);
    expect(back.reply.started?.model).toBe("beta");
  });
});
