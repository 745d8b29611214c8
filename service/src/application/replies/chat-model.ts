/** The port for the model that writes replies. Adapters: the `openai` SDK (any compatible server). */
import type { Usage } from "../../domain/chat.js";
import type { LogFields } from "../log-fields.js";

/** One message of the prompt, in the model's terms. */
export interface PromptMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ModelRequest {
  /** The model's id in the catalog (a routing model maps it to a provider and its upstream name). */
  model: string;
  messages: PromptMessage[];
  maxOutputTokens: number;
  temperature: number;
  /** What names the work this request serves (the RPC's request id) on log lines about it. */
  logFields?: LogFields | undefined;
}

/**
 * What a model stream yields: `accepted` once the upstream took the request (it answered and its stream
 * began: from here the prompt is billed), then text deltas, then at most one finish and one usage report.
 */
export type ModelEvent =
  /** `model`: the id of the model that took it, when another than the request's answered (a fallback). */
  | { type: "accepted"; model?: string }
  | { type: "delta"; text: string }
  | { type: "finish"; reason: string }
  | { type: "usage"; usage: Usage };

/**
 * A chat model that streams. The stream ends normally only after a `finish` event was seen or when the
 * upstream closed without one (the caller treats that as cut off). Failures throw DomainError with code
 * `upstream.unavailable` (unreachable, 5xx or 429 after retries, stalled), `upstream.rejected` (4xx about
 * the request, e.g. context length), `upstream.misconfigured` (401/403/404: key or model) or
 * `upstream.interrupted` (broke after the first token). Aborting `signal` ends the request and closes
 * the upstream socket; the iterator then throws the signal's reason.
 */
export interface ChatModel {
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
}
