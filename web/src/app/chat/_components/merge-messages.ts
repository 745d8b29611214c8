/**
 * What a chat page shows: the messages it loaded, with this tab's live reply laid over them. The live
 * reply either updates a message the page already has (same reply id) or appends its turn.
 */
import type { ChatMessage } from "~/lib/chat-types";
import { codePointLength } from "~/lib/code-points";
import type { LiveReply } from "./reduce-live-replies";

export interface ViewMessage extends ChatMessage {
  /** Set on the reply this tab is streaming (or tried to). */
  live?: LiveReply;
}

export const pendingUserId = "pending-user";
export const pendingReplyId = "pending-reply";

export function mergeMessages(messages: readonly ChatMessage[], live: LiveReply | undefined): ViewMessage[] {
  if (!live) return [...messages];
  const view: ViewMessage[] = [...messages];
  const index = live.replyId ? view.findIndex((message) => message.id === live.replyId) : -1;
  if (index >= 0) {
    const stored = view[index]!;
    // The live text is normally ahead of what the page loaded; never show the shorter of the two.
    const content = live.length >= codePointLength(stored.content) ? live.content : stored.content;
    view[index] = { ...stored, content, status: live.status, live };
    return view;
  }
  const hasUserMessage = live.userMessageId !== null && view.some((m) => m.id === live.userMessageId);
  if (live.userText !== null && !hasUserMessage) {
    view.push({
      id: live.userMessageId ?? pendingUserId,
      role: "user",
      content: live.userText,
      status: "complete",
      finishReason: "",
      createdAt: new Date().toISOString(),
    });
  }
  if (!(live.phase === "failed" && live.failedBeforeStart)) {
    view.push({
      id: live.replyId ?? pendingReplyId,
      role: "assistant",
      content: live.content,
      status: live.status,
      finishReason: "",
      createdAt: new Date().toISOString(),
      live,
    });
  }
  return view;
}

/** Whether the chat is busy with a reply (the composer waits). */
export function isAnswering(live: LiveReply | undefined): boolean {
  return !!live && ["sending", "streaming", "reconnecting", "stopping"].includes(live.phase);
}
