/**
 * The port through which the hub reports what happens to replies, for metrics (and later traces):
 * a reply started, a reply ended. It must be cheap and must never throw; absent, nothing is reported.
 */
import type { ModelRequest } from "./chat-model.js";
import type { ReplyFinishedEvent } from "./reply-events.js";

export interface ReplyObserver {
  /** A reply began generating with `request` (the very object its model stream receives). */
  replyStarted(request: ModelRequest): void;
  /** The reply started with `request` ended (its outcome stored, or given up on). */
  replyEnded(request: ModelRequest, finished: ReplyFinishedEvent): void;
}
