// Metrics of the model picker and the features around replies, scraped from the registry after known
// calls on real parts: two configured models behind the routing model (each its own label, time to first
// token recorded for both), generated titles by outcome, search durations, imports by source and outcome.
import { readFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { Code, createClient } from "@connectrpc/connect";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { SearchService } from "@parley/gen/parley/search/v1/search_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceMetrics } from "../../src/adapters/metrics/service-metrics.js";
import { createMysqlTokenCountStore } from "../../src/adapters/mysql/mysql-token-count-store.js";
import { createOpenAIChatModel } from "../../src/adapters/openai/openai-chat-model.js";
import { createRoutingChatModel } from "../../src/adapters/openai/routing-chat-model.js";
import {
  createTiktokenTokenCounter,
  createTiktokenTokenCounters,
} from "../../src/adapters/tiktoken/tiktoken-token-counter.js";
import { createModelCatalog, type ModelEntry } from "../../src/application/model-catalog.js";
import { createSimulator, type Simulator } from "../../src/simulator/simulator.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode } from "../support/rpc-probes.js";
import { importFile, transferClient } from "../support/transfer-probes.js";
import { parseSamples, type Samples } from "@parley/test-support";

const entry = (id: string, providerId: string, upstreamModel: string): ModelEntry => ({
  id,
  providerId,
  upstreamModel,
  displayName: id,
  contextWindow: 128_000,
  maxOutputTokens: 1_000,
  encoding: "o200k_base",
  price: { input: 0, output: 0 },
  fallback: null,
});
const catalog = createModelCatalog([entry("alpha", "a", "gpt-4o-mini"), entry("beta", "b", "gpt-4o")]);
const metrics = createServiceMetrics({ models: ["alpha", "beta"], processMetrics: false });
const systemPrompt = "You are a test.";

let provider: Simulator;
let harness: Harness;
beforeAll(async () => {
  provider = createSimulator({ paceMs: 0 });
  const url = await provider.listen(0, "127.0.0.1");
  // Two providers (each its own client) on one simulator.
  const model = (apiKey: string) =>
    createOpenAIChatModel({ apiKey, baseURL: url, idleTimeoutMs: 2_000, maxRetries: 0 });
  harness = await startParley({
    metrics,
    model: createRoutingChatModel({
      catalog,
      providers: new Map([
        ["a", model("key-a")],
        ["b", model("key-b")],
      ]),
    }),
    modelsOn: (database) => ({
      catalog,
      counterFor: createTiktokenTokenCounters(),
      tokenCounts: createMysqlTokenCountStore(database.db),
    }),
    titleSettings: { model: null, timeoutMs: 5_000, maxConcurrent: 4 },
    settings: {
      model: "alpha",
      limits: { contextWindow: 128_000, maxOutputTokens: 1_000 },
      systemPrompt,
      systemPromptTokens: createTiktokenTokenCounter("o200k_base").count(systemPrompt),
    },
  });
});
afterAll(async () => {
  await harness?.stop();
  await provider?.close();
});

const scrape = async (): Promise<Samples> => parseSamples(await metrics.registry.metrics());
const aUser = () => `metrics-${randomUUID()}`;

describe("metrics of the model picker and the features", () => {
  it("label every configured model and time its first token through the routing model; count titles", async () => {
    const client = harness.client("grpc");
    for (const model of ["alpha", "beta", "beta"]) {
      provider.script({ deltas: ["Marmalade", " is", " orange."] });
      const reply = await collectReply(client.sendMessage({ userId: aUser(), text: "Tell me.", model }));
      expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
    }
    const labels = (model: string) => `{model="${model}",status="complete"}`;
    const samples = await scrape();
    expect(samples.get(`parley_replies_total${labels("alpha")}`)).toBe(1);
    expect(samples.get(`parley_replies_total${labels("beta")}`)).toBe(2);
    expect(samples.get(`parley_reply_time_to_first_token_seconds_count${labels("alpha")}`)).toBe(1);
    expect(samples.get(`parley_reply_time_to_first_token_seconds_count${labels("beta")}`)).toBe(2);
    expect(samples.get(`parley_reply_deltas_total{model="alpha"}`)).toBe(3);
    expect(samples.get(`parley_reply_deltas_total{model="beta"}`)).toBe(6);
    expect([...samples.keys()].filter((key) => key.includes('model="other"'))).toEqual([]);
    // Each new chat's first answer asked for a title (the simulator's default answer names it).
    await expect
      .poll(async () => (await scrape()).get(`parley_titles_total{outcome="written"}`), { timeout: 10_000 })
      .toBe(3);
  });

  it("time searches by outcome", async () => {
    const search = createClient(SearchService, harness.transport("grpc"));
    await search.searchChats({ userId: aUser(), query: "marmalade" });
    await search.searchChats({ userId: aUser(), query: "orange" });
    await expectCode(() => search.searchChats({ userId: aUser(), query: "   " }), Code.InvalidArgument);
    const samples = await scrape();
    expect(samples.get(`parley_search_duration_seconds_count{outcome="ok"}`)).toBe(2);
    expect(samples.get(`parley_search_duration_seconds_count{outcome="error"}`)).toBe(1);
  });

  it("count imports by source and outcome, and their chats", async () => {
    const transfer = transferClient(harness);
    const fixture = await readFile(
      new URL("../fixtures/chatgpt-conversations.json", import.meta.url),
      "utf8",
    );
    const user = aUser();
    expect((await importFile(transfer, user, fixture)).importedChats).toBe(2);
    expect((await importFile(transfer, user, fixture)).importedChats).toBe(0);
    await expectCode(importFile(transfer, aUser(), "["), Code.InvalidArgument);
    const samples = await scrape();
    expect(samples.get(`parley_imports_total{outcome="ok",source="chatgpt"}`)).toBe(2);
    expect(samples.get(`parley_imports_total{outcome="import_invalid",source="unknown"}`)).toBe(1);
    expect(samples.get(`parley_imported_chats_total{outcome="imported",source="chatgpt"}`)).toBe(2);
    expect(samples.get(`parley_imported_chats_total{outcome="already_imported",source="chatgpt"}`)).toBe(2);
  });
});
