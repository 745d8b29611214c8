/**
 * A ChatModel for use-case tests: each call takes the next script (deltas, pace, failure) and records
 * the request. Honours the abort signal like the real adapter: it stops and throws the signal's reason.
 */
import type { ChatModel, ModelEvent, ModelRequest } from "../../src/application/replies/chat-model.js";

export interface ModelScript {
  deltas: string[];
  paceMs?: number;
  /** Omit the finish event (the upstream closed early). */
  noFinish?: boolean;
  /** Throw this after `failAfter` deltas (default: before the first). */
  fail?: Error;
  failAfter?: number;
  /** Wait for `release()` before each delta after this many (to hold a reply open in a test). */
  holdAfter?: number;
}

export interface ScriptedChatModel extends ChatModel {
  requests: ModelRequest[];
  enqueue(...scripts: ModelScript[]): void;
  /** Lets a held reply send one more delta (permits accumulate). */
  release(): void;
  /** How many streams saw their signal abort. */
  aborted: number;
}

export function createScriptedChatModel(
  fallback: ModelScript = { deltas: ["Hello", " there", "!"] },
): ScriptedChatModel {
  const queue: ModelScript[] = [];
  let permits = 0;
  const waiting: (() => void)[] = [];
  const acquire = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (permits > 0) {
        permits--;
        return resolve();
      }
      waiting.push(resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  const model: ScriptedChatModel = {
    requests: [],
    aborted: 0,
    enqueue: (...scripts) => queue.push(...scripts),
    release() {
      const next = waiting.shift();
      if (next) next();
      else permits++;
    },
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
      model.requests.push(request);
      const script = queue.shift() ?? fallback;
      const check = () => {
        if (signal.aborted) {
          model.aborted++;
          throw signal.reason;
        }
      };
      for (let i = 0; i < script.deltas.length; i++) {
        if (script.fail && i === (script.failAfter ?? 0)) throw script.fail;
        if (script.holdAfter !== undefined && i >= script.holdAfter) {
          await acquire(signal);
        }
        if (script.paceMs) await sleep(script.paceMs, signal);
        else await Promise.resolve();
        check();
        yield { type: "delta", text: script.deltas[i]! };
      }
      if (script.fail && (script.failAfter ?? 0) >= script.deltas.length) throw script.fail;
      check();
      if (!script.noFinish) {
        yield { type: "finish", reason: "stop" };
        yield {
          type: "usage",
          usage: {
            promptTokens: 10,
            completionTokens: script.deltas.length,
            totalTokens: 10 + script.deltas.length,
          },
        };
      }
    },
  };
  return model;
}
