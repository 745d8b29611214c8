/**
 * What a chat page shows: the path it loaded, with this tab's live reply laid over it. The live reply
 * either updates a message the page already has (same reply id) or adds its turn: at the end of the
 * path, or, for a new version of a message (regenerate, edit), in that message's place, the path cut
 * there (what followed the old version stays on its own branch, reachable with the version arrows).
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
  const unsent = live.phase === "failed" && live.failedBeforeStart;
  // A regenerate that never started changed nothing: the answer it was to replace stays.
  if (unsent && isRegenerate(live)) return view;
  const replaced = live.replaces === null ? -1 : view.findIndex((message) => message.id === live.replaces);
  if (replaced >= 0) view.length = replaced;
  const hasUserMessage = live.userMessageId !== null && view.some((m) => m.id === live.userMessageId);
  if (live.userText !== null && !hasUserMessage) {
    view.push(
      newMessage(view.at(-1), {
        id: live.userMessageId ?? pendingUserId,
        role: "user",
        content: live.userText,
        status: "complete",
      }),
    );
  }
  if (!unsent) {
    view.push(
      newMessage(view.at(-1), {
        id: live.replyId ?? pendingReplyId,
        role: "assistant",
        content: live.content,
        status: live.status,
        live,
      }),
    );
  }
  return view;
}

/**
 * A message of this tab's turn, following `parent` on the path. How many versions it has is only known
 * once the page is read again (after a regenerate or an edit ends): until then it shows as the only one.
 */
function newMessage(
  parent: ViewMessage | undefined,
  message: Pick<ViewMessage, "id" | "role" | "content" | "status" | "live">,
): ViewMessage {
  return {
    finishReason: "",
    createdAt: new Date().toISOString(),
    parentId: parent?.id ?? null,
    siblingCount: 1,
    siblingIndex: 0,
    previousSiblingId: null,
    nextSiblingId: null,
    ...message,
  };
}

/** Whether the live turn writes another answer to a message already there (no text of its own). */
export function isRegenerate(live: LiveReply): boolean {
  return live.replaces !== null && live.userText === null;
}

/** Whether the chat is busy with a reply (the composer waits). */
export function isAnswering(live: LiveReply | undefined): boolean {
  return !!live && ["sending", "streaming", "reconnecting", "stopping"].includes(live.phase);
}

/**
 * A React key that stays the same when a message is swapped for another version of it (the versions
 * share their parent, and a path holds one message per parent), so switching versions keeps the message's
 * controls mounted: focus stays on the arrow pressed, and its live "2/3" is announced.
 */
export function messageKey(message: ChatMessage): string {
  return message.parentId === null ? "first" : `after:${message.parentId}`;
}
