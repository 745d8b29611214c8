/**
 * The ChatModel port over the `openai` SDK: OpenAI itself or any OpenAI-compatible server (Ollama, vLLM,
 * LM Studio, OpenRouter, the built-in simulator) through `baseURL`. This folder is the only importer of
 * `openai`.
 */
import OpenAI, { APIError } from "openai";
import type { ChatModel, ModelEvent } from "../../application/replies/chat-model.js";
import { getGlobalDispatcher, type Dispatcher } from "undici";
import { withFields } from "../../application/log-fields.js";
import type { Logger } from "../../application/ports.js";
import type { Usage } from "../../domain/chat.js";
import { createNodeStreamFetch } from "./node-stream-fetch.js";
import { SseDecoder } from "./sse-decoder.js";
import { capRetryAfter } from "./retry-after-cap.js";
import { observeAttempts, type UpstreamAttempt } from "./observe-attempts.js";
import { toUpstreamError } from "./upstream-error.js";

export interface OpenAIChatModelOptions {
  apiKey: string;
  /** Any OpenAI-compatible server; OpenAI's own API when absent. */
  baseURL?: string;
  /** Retries of 408/409/429/5xx and connection errors, only before the stream begins; default 2. */
  maxRetries?: number;
  /** The longest silence allowed between chunks (and between the headers and the first chunk). */
  idleTimeoutMs: number;
  /** Per attempt, until the response headers arrive; default 60 s. */
  requestTimeoutMs?: number;
  /** A `retry-after` longer than this is not waited out: the call fails at once; default 20 s. */
  maxRetryAfterMs?: number;
  /**
   * How the output limit is sent. OpenAI deprecated `max_tokens` and its reasoning models reject it,
   * while many compatible servers (Ollama, LM Studio, llama.cpp) know only `max_tokens` and silently
   * ignore a field they do not know, which would leave the output unbounded. So the default is
   * `max_completion_tokens` for OpenAI's own API and `max_tokens` for any other `baseURL`.
   */
  tokenLimitParameter?: "max_completion_tokens" | "max_tokens";
  logger?: Logger;
  /** Told of every HTTP attempt (retries included), for metrics. */
  onAttempt?: (attempt: UpstreamAttempt) => void;
  /** The connection pool (upstream-agent.ts); absent: Node's global one. */
  dispatcher?: Dispatcher | undefined;
}

const openaiBaseURL = "https://api.openai.com/v1";

/**
 * The longest event the model's stream may send, in characters. A chat-completions chunk is a few hundred;
 * this leaves room for servers that send a whole answer in one event, and stops one that never ends an
 * event from filling the heap.
 */
const maxEventLength = 4 * 1024 * 1024;

/** A streamed chunk as it arrives: a compatible server may send `error` instead of (or beside) choices. */
type ChatCompletionChunk = Partial<OpenAI.Chat.ChatCompletionChunk> & { error?: object };

/** Builds the OpenAI-backed ChatModel. One client (and its connection pool) serves every stream. */
export function createOpenAIChatModel(options: OpenAIChatModelOptions): ChatModel {
  const baseURL = options.baseURL ?? openaiBaseURL;
  const transport = createNodeStreamFetch(options.dispatcher ?? getGlobalDispatcher());
  const capped = capRetryAfter(options.maxRetryAfterMs ?? 20_000, transport);
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL,
    // Explicit nulls stop the SDK from reading OPENAI_ORG_ID and friends: config.ts owns the environment.
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: options.maxRetries ?? 2,
    timeout: options.requestTimeoutMs ?? 60_000,
    fetch: options.onAttempt ? observeAttempts(capped, options.onAttempt) : capped,
    // The SDK would print raw chunks (reply text) to the console on a parse error; we log causes ourselves.
    logLevel: "off",
  });
  const tokenLimit =
    options.tokenLimitParameter ?? (isOpenAI(baseURL) ? "max_completion_tokens" : "max_tokens");
  const { idleTimeoutMs, logger } = options;

  return {
    stream(request, signal) {
      const body: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
        model: request.model,
        messages: request.messages,
        temperature: request.temperature,
        [tokenLimit]: request.maxOutputTokens,
        stream: true,
        stream_options: { include_usage: true },
      };
      const log = logger && withFields(logger, request.logFields);
      return streamCompletion(client, body, signal, idleTimeoutMs, log);
    },
  };
}

/**
 * One streamed completion. Deltas are yielded as they arrive; `finish` when `finish_reason` does; the
 * usage report once, after the stream ended. A stream that ends without `finish_reason` just ends (the
 * caller treats that as cut off). There is no retry once the stream has begun: a partial answer cannot
 * be re-asked without duplicating text.
 *
 * The SDK sends the request, retries it and maps error statuses; its response's body, the event stream,
 * is read here (`SseDecoder`) rather than through the SDK's `Stream`, whose three async generators per
 * event and whole-buffer copies per chunk cost ~15 µs of CPU per paced delta, an eighth of Parley's
 * (docs/benchmarks.md, "The stream's events read in one pass"). The reading follows the SDK's: `[DONE]`
 * ends the answer (the rest is read and ignored, so the connection can be reused), a chunk carrying
 * `error` is an `APIError`, a chunk that is not JSON a `SyntaxError`.
 */
async function* streamCompletion(
  client: OpenAI,
  body: OpenAI.Chat.ChatCompletionCreateParamsStreaming,
  signal: AbortSignal,
  idleTimeoutMs: number,
  logger: Logger | undefined,
): AsyncGenerator<ModelEvent> {
  signal.throwIfAborted();
  // The caller's signal goes to the SDK as is: the SDK links it to an AbortController of its own per
  // request, which aborts the body too. A stall or an early exit closes the body (`chunks.return()`,
  // which destroys the socket). A controller of ours in between would cost every open stream another
  // AbortSignal and listener (docs/benchmarks.md, "Per-stream memory").
  let chunks: AsyncIterator<Uint8Array> | undefined;
  let idle: NodeJS.Timeout | undefined;
  let waiting = false; // the timer only counts time spent waiting on upstream, not on a slow consumer
  let stalled = false;
  let sawDelta = false;
  let finished = false;
  let usage: Usage | undefined;
  let drained = false;
  try {
    const response = await untilAborted(
      client.chat.completions.create(body, { signal }).asResponse(),
      signal,
    );
    if (!response.body) throw new Error("the model's answer has no body");
    const opened = (chunks = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]());
    yield { type: "accepted" };
    idle = setTimeout(() => {
      if (!waiting) return;
      stalled = true;
      close(opened);
    }, idleTimeoutMs);
    const decoder = new SseDecoder(maxEventLength);
    let done = false;
    reading: for (;;) {
      waiting = true;
      idle.refresh(); // re-arms without allocating a timer per chunk
      const next = await opened.next();
      waiting = false;
      if (next.done || signal.aborted || stalled) break;
      for (const { data } of decoder.decode(next.value)) {
        if (done) continue;
        if (data.startsWith("[DONE]")) {
          done = true;
          continue;
        }
        const { choices, usage: reported, error } = JSON.parse(data) as ChatCompletionChunk;
        if (error) throw new APIError(undefined, error, undefined, response.headers);
        // The usage chunk has `choices: []`, vLLM sends `choices: null`: never index blindly.
        const choice = choices?.[0];
        // A refusal streams in its own field; it is what the person should read, so it is text too.
        const text = choice?.delta?.content || choice?.delta?.refusal;
        if (text) {
          sawDelta = true;
          yield { type: "delta", text };
        }
        if (choice?.finish_reason) {
          finished = true;
          yield { type: "finish", reason: choice.finish_reason };
        }
        if (reported) usage = toUsage(reported);
        // Events already decoded when the abort came are dropped: nothing is yielded after an abort.
        if (signal.aborted) break reading;
      }
    }
    // An abort or a stall can end the body quietly, so it shows here rather than as an error.
    if (signal.aborted) throw signal.reason;
    if (stalled) throw new Error("stalled");
    drained = true;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // After `finish_reason` the answer is whole; a failure while waiting for usage or [DONE] costs nothing.
    if (!finished) throw toUpstreamError(error, { stalled, sawDelta, idleTimeoutMs, logger });
    logger?.warn("openai stream broke after the finish chunk", { error: String(error) });
  } finally {
    clearTimeout(idle);
    if (!drained && chunks) close(chunks); // closes the upstream socket, also when the consumer stopped early
  }
  if (usage) yield { type: "usage", usage };
}

/**
 * Ends reading a body: ours destroys its socket; a web stream's (an answer read whole) cancels. A
 * rejection there has no one to tell: the reply already ends with the reason it stopped reading.
 */
function close(chunks: AsyncIterator<Uint8Array>): void {
  chunks.return?.().catch(() => undefined);
}

/** Compatible servers do not all fill every field; missing counts become 0, the total their sum. */
function toUsage(usage: Partial<OpenAI.CompletionUsage>): Usage {
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: usage.total_tokens ?? promptTokens + completionTokens,
  };
}

/**
 * The SDK checks its signal only between attempts, so an abort during a retry back-off would wait the
 * back-off out. This settles as soon as the signal aborts; the SDK's own promise then rejects unobserved.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function isOpenAI(baseURL: string): boolean {
  return new URL(baseURL).hostname === "api.openai.com";
}
