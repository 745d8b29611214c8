/**
 * Writes one reply onto an HTTP response the way OpenAI does, streamed (SSE) or whole, and misbehaves
 * on cue. Every wait is tied to the exchange's signal, which aborts when the client goes away, so no
 * timer outlives its connection and nothing is written after the close.
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { chunk, completion, usageChunk, wireUsage, type CompletionIdentity } from "./completion-wire.js";
import type { Fault } from "./script.js";

/** Everything decided about a reply before the first byte. */
export interface ReplyPlan {
  identity: CompletionIdentity;
  requestId: string;
  deltas: string[];
  paceMs: number;
  firstDeltaDelayMs: number;
  finishReason: string;
  includeUsage: boolean;
  usageChoices: "empty" | "null";
  promptTokens: number;
  fault: Exclude<Fault, { kind: "status" }> | undefined;
}

/** The simulator's side of one request, shared with the recorder so it can tell who ended it. */
export interface Exchange {
  /** Aborts when the connection closes; every wait listens to it. */
  readonly signal: AbortSignal;
  /** Set before the simulator itself ends or breaks the response. */
  ended: boolean;
  /** Where progress is recorded for tests to read. */
  readonly record: { deltasWritten: number };
}

/**
 * An RST makes the receiving kernel drop data the client has not read yet, so a reset waits at least
 * this long after the last delta: the deltas reach the client first, as they would from a real server.
 */
const resetGraceMs = 20;

/** The first chunk of every OpenAI stream announces the role, with empty content. */
const roleDelta = { role: "assistant", content: "", refusal: null };

/** Streams the reply as `chat.completion.chunk` events: role, deltas, finish, usage, `[DONE]`. */
export async function streamReply(res: ServerResponse, plan: ReplyPlan, exchange: Exchange): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-request-id": plan.requestId,
  });
  res.flushHeaders(); // headers now, like OpenAI, so the client's time-to-headers excludes generation
  const { identity, includeUsage, fault } = plan;
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const last = plan.deltas.length;
  const cutAt = fault && fault.kind !== "hang" ? Math.min(fault.afterDeltas ?? last, last) : undefined;
  if (!(await pause(plan.firstDeltaDelayMs, exchange))) return;

  for (let i = 0; i <= plan.deltas.length; i++) {
    if (i === cutAt && fault) {
      await strike(res, fault, plan, exchange);
      if (fault.kind !== "malformed") return;
    }
    if (i === plan.deltas.length) break;
    if (i > 0 && !(await pause(plan.paceMs, exchange))) return;
    if (i === 0) send(chunk(identity, roleDelta, null, includeUsage));
    send(chunk(identity, { content: plan.deltas[i] }, null, includeUsage));
    exchange.record.deltasWritten += 1;
  }

  if (plan.deltas.length > 0 && !(await pause(plan.paceMs, exchange))) return;
  if (plan.deltas.length === 0) send(chunk(identity, roleDelta, null, includeUsage));
  send(chunk(identity, {}, plan.finishReason, includeUsage));
  if (includeUsage) send(usageChunk(identity, usageOf(plan), plan.usageChoices));
  exchange.ended = true;
  res.end("data: [DONE]\n\n");
}

/** Carries out a mid-stream fault. Resolves when the stream should go on (malformed) or is over. */
async function strike(
  res: ServerResponse,
  fault: NonNullable<ReplyPlan["fault"]>,
  plan: ReplyPlan,
  exchange: Exchange,
): Promise<void> {
  switch (fault.kind) {
    case "stall":
    case "hang":
      return; // say nothing; the connection stays open until the client or close() ends it
    case "reset":
      if (!(await pause(Math.max(plan.paceMs, resetGraceMs), exchange))) return;
      exchange.ended = true;
      res.socket?.resetAndDestroy();
      return;
    case "malformed":
      if (!(await pause(plan.paceMs, exchange))) return;
      res.write("data: {not json\n\n");
      return;
    case "no-done":
      if (!(await pause(plan.paceMs, exchange))) return;
      exchange.ended = true;
      res.end();
      return;
  }
}

/** Answers a non-streaming request with one `chat.completion`; faults apply where they make sense. */
export async function completeReply(res: ServerResponse, plan: ReplyPlan, exchange: Exchange): Promise<void> {
  if (!(await pause(plan.firstDeltaDelayMs, exchange))) return;
  const headers = { "content-type": "application/json", "x-request-id": plan.requestId };
  switch (plan.fault?.kind) {
    case "hang":
      return;
    case "stall":
      res.writeHead(200, headers).flushHeaders();
      return;
    case "reset":
      exchange.ended = true;
      res.socket?.resetAndDestroy();
      return;
    case "malformed":
      exchange.ended = true;
      res.writeHead(200, headers).end("{not json");
      return;
  }
  const body = completion(plan.identity, plan.deltas.join(""), plan.finishReason, usageOf(plan));
  exchange.ended = true;
  res.writeHead(200, headers).end(JSON.stringify(body));
}

/** Sends a JSON body in one go (errors, model lists). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** Waits, unless the client leaves first; false means stop writing. */
async function pause(ms: number, exchange: Exchange): Promise<boolean> {
  if (exchange.signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal: exchange.signal });
    return true;
  } catch {
    return false; // aborted: the timer is already cleared
  }
}

/** Token counts are estimates (about 1.3 tokens a word); the simulator has no tokenizer on purpose. */
function usageOf(plan: ReplyPlan) {
  const words = plan.deltas.join("").split(/\s+/).filter(Boolean).length;
  return wireUsage(plan.promptTokens, Math.max(plan.deltas.length, Math.ceil(words * 1.3)));
}

/** The simulator's token estimate for a text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.split(/\s+/).filter(Boolean).length * 1.3);
}
