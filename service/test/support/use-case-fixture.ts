/** Use cases wired to in-memory fakes: the repository, a scripted model and a word-count tokenizer. */
import { randomUUID } from "node:crypto";
import { ChatUseCases } from "../../src/application/chat-use-cases.js";
import type { ChatSettings } from "../../src/application/chat-use-cases.js";
import type { Logger, TokenCounter } from "../../src/application/ports.js";
import type { ReplyEvent } from "../../src/application/replies/reply-events.js";
import { ReplyHub } from "../../src/application/replies/reply-hub.js";
import { inProcessReplyBus, type ReplyBus } from "../../src/application/replies/reply-bus.js";
import { createUsageMeter } from "../../src/application/usage/usage-meter.js";
import { createInMemoryChatRepository, type InMemoryChatRepository } from "./in-memory-chat-repository.js";
import { createScriptedChatModel, type ModelScript } from "./scripted-chat-model.js";

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Counts whitespace-separated words: predictable numbers for tests. */
export const wordCounter = { count: (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0) };

export function aUseCaseFixture(
  options: {
    settings?: Partial<ChatSettings>;
    orphanGraceMs?: number;
    fallback?: ModelScript;
    /** Another process's fixture to share the repository with (then pass a shared `bus` too). */
    repository?: InMemoryChatRepository;
    bus?: ReplyBus;
    owner?: string;
    /** Where the hub's and the use cases' lines go (default: nowhere). */
    logger?: Logger;
    /** Counts the replies' tokens when they are stored (default: words). */
    tokenCounter?: TokenCounter;
  } = {},
) {
  const repository = options.repository ?? createInMemoryChatRepository();
  const model = createScriptedChatModel(options.fallback);
  const clock = { now: () => new Date() };
  const hub = new ReplyHub({
    model,
    repository,
    tokenCounter: options.tokenCounter ?? wordCounter,
    clock,
    logger: options.logger ?? silentLogger,
    orphanGraceMs: options.orphanGraceMs ?? 30_000,
    progressIntervalMs: 20,
    owner: options.owner ?? "this-process",
    leaseMs: 10_000,
    bus: options.bus ?? inProcessReplyBus,
    meter: createUsageMeter(wordCounter),
  });
  const settings: ChatSettings = {
    model: "gpt-4o-mini",
    limits: { contextWindow: 10_000, maxOutputTokens: 1_000 },
    temperature: 1,
    systemPrompt: "Be brief.",
    systemPromptTokens: 2,
    maxMessageBytes: 1_000,
    ...options.settings,
  };
  const useCases = new ChatUseCases({
    repository,
    hub,
    tokenCounter: wordCounter,
    clock,
    newId: randomUUID,
    logger: options.logger ?? silentLogger,
    settings,
  });
  return { repository, model, hub, useCases, settings };
}

/** Reads a reply's events to the end. */
export async function collect(events: AsyncIterable<ReplyEvent>): Promise<ReplyEvent[]> {
  const seen: ReplyEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

export const textOf = (events: ReplyEvent[]) =>
  events.map((e) => (e.type === "delta" ? e.text : "")).join("");

export const finishedOf = (events: ReplyEvent[]) => {
  const last = events.at(-1);
  if (last?.type !== "finished") throw new Error(`no finished event: ${JSON.stringify(last)}`);
  return last;
};

export const startedOf = (events: ReplyEvent[]) => {
  const first = events[0];
  if (first?.type !== "started") throw new Error(`no started event: ${JSON.stringify(first)}`);
  return first;
};
