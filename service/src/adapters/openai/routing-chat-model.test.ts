import { describe, expect, it } from "vitest";
import { createModelCatalog, type ModelEntry } from "../../application/model-catalog.js";
import type { ChatModel, ModelEvent, ModelRequest } from "../../application/replies/chat-model.js";
import { DomainError } from "../../domain/errors.js";
import { createRoutingChatModel } from "./routing-chat-model.js";

const entry = (id: string, providerId: string, fallback: string | null = null): ModelEntry => ({
  id,
  displayName: id,
  providerId,
  upstreamModel: `${id}-upstream`,
  contextWindow: 8192,
  maxOutputTokens: 100,
  encoding: "o200k_base",
  price: { input: 0, output: 0 },
  fallback,
});

/** A provider that records what it was asked and plays `events`, then throws `error` if given. */
function aProvider(events: ModelEvent[], error?: DomainError) {
  const asked: ModelRequest[] = [];
  const model: ChatModel = {
    async *stream(request) {
      asked.push(request);
      yield* events;
      if (error) throw error;
    },
  };
  return { model, asked };
}

const request: ModelRequest = { model: "main", messages: [], maxOutputTokens: 1000, temperature: 1 };
const answer: ModelEvent[] = [
  { type: "accepted" },
  { type: "delta", text: "hi" },
  { type: "finish", reason: "stop" },
];

async function run(model: ChatModel, req = request) {
  const seen: ModelEvent[] = [];
  for await (const event of model.stream(req, new AbortController().signal)) seen.push(event);
  return seen;
}

function routing(primary: ReturnType<typeof aProvider>, backup: ReturnType<typeof aProvider>) {
  const catalog = createModelCatalog([entry("main", "p", "spare"), entry("spare", "q")]);
  return createRoutingChatModel({
    catalog,
    providers: new Map([
      ["p", primary.model],
      ["q", backup.model],
    ]),
  });
}

describe("the routing model", () => {
  it("asks the model's provider under its upstream name, capped at its output limit", async () => {
    const primary = aProvider(answer);
    const backup = aProvider(answer);
    expect(await run(routing(primary, backup))).toEqual(answer);
    expect(primary.asked).toEqual([{ ...request, model: "main-upstream", maxOutputTokens: 100 }]);
    expect(backup.asked).toEqual([]);
  });

  it("falls back when the provider is unavailable before accepting, naming the fallback", async () => {
    const primary = aProvider([], new DomainError("upstream.unavailable", "down"));
    const backup = aProvider(answer);
    expect(await run(routing(primary, backup))).toEqual([
      { type: "accepted", model: "spare" },
      ...answer.slice(1),
    ]);
    expect(backup.asked.map((r) => r.model)).toEqual(["spare-upstream"]);
  });

  it.each([
    [
      "after the provider accepted",
      aProvider([{ type: "accepted" }], new DomainError("upstream.unavailable", "stall")),
    ],
    ["on a refused key or model", aProvider([], new DomainError("upstream.misconfigured", "401"))],
  ])("does not fall back %s", async (_, primary) => {
    const backup = aProvider(answer);
    await expect(run(routing(primary, backup))).rejects.toBeInstanceOf(DomainError);
    expect(backup.asked).toEqual([]);
  });

  it("streams a model without a fallback from its provider alone, its failure as the provider threw it", async () => {
    const down = new DomainError("upstream.unavailable", "down");
    const primary = aProvider([], down);
    const spare = aProvider(answer, down);
    const model = routing(primary, spare);
    await expect(run(model, { ...request, model: "spare" })).rejects.toBe(down);
    expect(spare.asked).toEqual([{ ...request, model: "spare-upstream", maxOutputTokens: 100 }]);
    expect(primary.asked).toEqual([]);
  });

  it("refuses to start without a provider for every model", () => {
    const catalog = createModelCatalog([entry("main", "nowhere")]);
    expect(() => createRoutingChatModel({ catalog, providers: new Map() })).toThrow(
      'model main: no provider "nowhere" was configured',
    );
  });
});
