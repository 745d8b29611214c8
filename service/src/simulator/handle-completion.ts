/**
 * `POST /v1/chat/completions`: validates the body as OpenAI would, picks the script for the request and
 * answers with an error, a stream or a whole completion.
 */
import type { ServerResponse } from "node:http";
import { errorBody, type WireError } from "./completion-wire.js";
import { demoReply } from "./demo-reply.js";
import { splitIntoDeltas, type Fault, type ScriptBook } from "./script.js";
import type { RecordedRequest } from "./recorder.js";
import {
  completeReply,
  estimateTokens,
  sendJson,
  streamReply,
  type Exchange,
  type ReplyPlan,
} from "./write-reply.js";

/** What the handler needs from its simulator. */
export interface CompletionContext {
  book: ScriptBook;
  defaults: { paceMs: number; firstDeltaDelayMs: number };
  rawBody: string;
}

interface PromptMessage {
  role?: unknown;
  content?: unknown;
}

/** Answers one chat-completions request; resolves when the simulator has nothing more to write. */
export async function handleCompletion(
  res: ServerResponse,
  record: RecordedRequest,
  exchange: Exchange,
  { book, defaults, rawBody }: CompletionContext,
): Promise<void> {
  const requestId = `req_sim_${record.index}`;
  const reject = (status: number, body: WireError | unknown, headers: Record<string, string> = {}) => {
    exchange.ended = true;
    record.response = `status ${status}`;
    sendJson(res, status, body, { "x-request-id": requestId, ...headers });
  };

  const body = record.body as Record<string, unknown> | undefined;
  if (typeof body !== "object" || body === null) {
    const error = errorBody(400, undefined, undefined);
    error.error.message = `We could not parse the JSON body of your request: ${rawBody === "" ? "it is empty" : "it is not valid JSON"}.`;
    return reject(400, error);
  }
  for (const param of ["model", "messages"] as const) {
    if (param === "messages" ? !Array.isArray(body.messages) : typeof body.model !== "string") {
      const error = errorBody(400, "missing_required_parameter", undefined);
      error.error.message = `Missing required parameter: '${param}'.`;
      error.error.param = param;
      return reject(400, error);
    }
  }

  const messages = body.messages as PromptMessage[];
  const question = lastUserMessage(messages);
  const { script, failWithStatus } = book.next(question);
  const fault = script.fault;
  if (failWithStatus && fault?.kind === "status") {
    const key = /^Bearer (.*)$/i.exec(record.headers.authorization ?? "")?.[1];
    return reject(fault.status, fault.body ?? errorBody(fault.status, fault.code, key), retryHeaders(fault));
  }

  const text =
    script.deltas?.join("") ??
    script.text ??
    demoReply(question, typeof body.model === "string" ? body.model : undefined);
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  const plan: ReplyPlan = {
    identity: {
      id: `chatcmpl-sim${String(record.index).padStart(6, "0")}`,
      created: Math.floor(Date.now() / 1000),
      model: body.model as string,
    },
    requestId,
    deltas: script.deltas ?? splitIntoDeltas(text, script.deltaSize),
    paceMs: script.paceMs ?? defaults.paceMs,
    firstDeltaDelayMs: script.firstDeltaDelayMs ?? script.paceMs ?? defaults.firstDeltaDelayMs,
    finishReason: script.finishReason ?? "stop",
    includeUsage: streamOptions?.include_usage === true,
    usageChoices: script.usageChoices ?? "empty",
    promptTokens: messages.reduce((sum, m) => sum + estimateTokens(textOf(m.content)) + 4, 3),
    fault: fault?.kind === "status" ? undefined : fault,
  };
  record.response = plan.fault?.kind ?? "reply";
  if (plan.fault?.kind === "hang") return; // no headers, ever; the close is recorded when the client gives up
  await (body.stream === true ? streamReply(res, plan, exchange) : completeReply(res, plan, exchange));
}

function retryHeaders(fault: Extract<Fault, { kind: "status" }>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
  if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
  return headers;
}

function lastUserMessage(messages: PromptMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user") return textOf(messages[i]?.content);
  }
  return "";
}

/** Message content is a string or an array of parts; the text parts are what the simulator reads. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { type?: unknown; text?: unknown }) =>
      part?.type === "text" && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}
