/**
 * What a tab does with a reply event that the chat's watch tells (`chat.watchChat`). The watch tells every
 * reply of the chat, this tab's own among them: those are already streamed by the tab's own subscription
 * (`send`, or `watch` after a reload) and must not be shown twice. Another tab's or device's reply is
 * shown by feeding the watch's events into the same live-reply state as the tab's own.
 *
 * - `own`: the tab streams this reply itself; the watch's copy is dropped.
 * - `hold`: the tab has sent a message whose reply has not started yet, so it cannot tell whether this
 *   reply is that one; the events wait until it knows (see `settleHeld`).
 * - `adopt`: another tab's new reply: the tab starts showing it from the watch.
 * - `follow`: the next event of a reply the tab shows from the watch (a reopened watch starts it again
 *   from offset 0; the reducer cuts the text the tab already has).
 * - `ignore`: an event of a reply the tab does not show from the watch (its own, or one it let go).
 */
import type { ReplyEvent } from "~/lib/chat-types";
import { isOver, type LiveReply } from "./reduce-live-replies";

export type WatchedReplyRoute = "own" | "hold" | "adopt" | "follow" | "ignore";

export interface WatchedReplyFacts {
  /** The chat's live reply in this tab (own or adopted). */
  live: LiveReply | undefined;
  /** The reply this tab shows from the watch, if any. */
  adopted: string | null;
  /** Whether events wait for the tab's own reply to start. */
  holding: boolean;
}

export function routeWatchedReply(facts: WatchedReplyFacts, event: ReplyEvent): WatchedReplyRoute {
  const { live, adopted, holding } = facts;
  if (event.type === "started") {
    if (adopted === event.replyId) return "follow";
    if (live?.replyId === event.replyId) return "own";
    if (live && !isOver(live) && live.replyId === null) return "hold";
    return "adopt";
  }
  if (holding) return "hold";
  return adopted !== null && live?.replyId === adopted ? "follow" : "ignore";
}

/**
 * Held events are settled once the tab's own send knows its reply (or failed): dropped when they are of
 * that reply, or when the tab's own reply is live (the other ended before it could start); adopted when
 * the tab's send failed or was let go (then the reply told is another tab's, e.g. the one that made
 * this send fail with "still answering"). `wait` while the send has still not started.
 */
export function settleHeld(live: LiveReply | undefined, heldReplyId: string): "wait" | "drop" | "adopt" {
  if (live && !isOver(live) && live.replyId === null) return "wait";
  if (live?.replyId === heldReplyId) return "drop";
  if (live && !isOver(live)) return "drop";
  return "adopt";
}
