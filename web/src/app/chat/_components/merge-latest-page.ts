/**
 * How a chat page takes in what changed while it was open (another tab's turn, a reply that ended while
 * its watch was down): the messages it holds, brought up to date by the chat's latest page as GetChat
 * reads it now.
 */
import type { ChatMessage } from "~/lib/chat-types";
import { mergeMessages, pendingReplyId, pendingUserId } from "./merge-messages";
import type { LiveReply } from "./reduce-live-replies";

/**
 * `held` (oldest first) updated by `latest` (the chat's newest messages, oldest first): from the first
 * message of `latest` on, `latest` is the truth; what `held` has before it stays. When `latest` does not
 * reach back to anything held (more new messages than a page while the page was open), it follows what
 * is held: the messages in between are left out until the page is reloaded.
 */
export function mergeLatestPage(held: readonly ChatMessage[], latest: readonly ChatMessage[]): ChatMessage[] {
  const first = latest[0];
  if (!first) return [...held];
  const at = held.findIndex((message) => message.id === first.id);
  const kept =
    at >= 0 ? held.slice(0, at) : held.filter((message) => !latest.some((m) => m.id === message.id));
  return [...kept.filter((message) => !isPending(message)), ...latest];
}

/**
 * The messages with a live turn that is over made part of them (as the page does before its next
 * send), so the turn stays when the chat's live reply becomes another one. Never the placeholders of a
 * message that was not sent.
 */
export function keepFinishedTurn(held: readonly ChatMessage[], live: LiveReply | undefined): ChatMessage[] {
  return mergeMessages(held, live).filter((message) => !isPending(message));
}

function isPending(message: ChatMessage): boolean {
  return message.id === pendingUserId || message.id === pendingReplyId;
}
