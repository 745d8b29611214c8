/**
 * The live replies of this tab as a pure reducer: what happened to a reply's stream goes in, the new
 * state comes out. No subscriptions, timers or listeners here (`LiveReplyStore` does those), so every
 * rule of how a reply's text and phase change is a plain function, tested as one.
 *
 * Offsets: this is the one place on the web side that reconciles delta offsets with the text already
 * held. A delta may start before the end of what we have — an SSE reconnect resumes from the last event
 * id, a reloaded page watches from the text it rendered, a retry resumes from what we have — and only the
 * browser knows what it has actually shown, so the overlap is cut here. The BFF relay trusts the service
 * (which starts each stream at the offset it is asked for) and forwards deltas as they come.
 */
import type { ContextStats, ReplyEvent, ReplyStatus } from "~/lib/chat-types";
import { codePointLength, sliceFromCodePoint } from "~/lib/code-points";
import type { LimitRefusal } from "~/lib/limit-refusal";

/** The key of a reply sent from the "new chat" page, until the service names its chat. */
export const newChatKey = "new";

export type LivePhase = "sending" | "streaming" | "reconnecting" | "stopping" | "done" | "failed";

export interface LiveReply {
  key: string;
  chatId: string | null;
  replyId: string | null;
  userMessageId: string | null;
  /**
   * The message sent from this tab (an edit's new text); null when re-attached to a reply after a
   * reload, and for a regenerated answer (which answers a message already there).
   */
  userText: string | null;
  /**
   * The message this turn is a new version of (a regenerated reply, an edited message): the chat's path
   * is shown up to it, and the new turn in its place. Null for a turn that continues the path.
   */
  replaces: string | null;
  content: string;
  /** `content`'s length in code points: the offset the next delta must start at. */
  length: number;
  status: ReplyStatus;
  phase: LivePhase;
  context: ContextStats | null;
  /** Why the stream failed; `failedBeforeStart` when the message itself may not have been sent. */
  error: string | null;
  failedBeforeStart: boolean;
  /** The service refused the message for a limit (then `error` is null: the limit is shown instead). */
  limit: LimitRefusal | null;
  /** A delta started past `length` (never expected): the stream must be re-opened from `length`. */
  gap: boolean;
}

/** Every live reply of the tab, by key (a chat id, or `newChatKey`). */
export type LiveReplies = ReadonlyMap<string, LiveReply>;

export type LiveReplyAction =
  /**
   * A turn was sent to `chatId` (null: a new chat): a message (`text`), or a new version of the message
   * `replaces` (an edit with `text`, a regenerated reply with none).
   */
  | { type: "sent"; chatId: string | null; text: string | null; replaces?: string | undefined }
  /** A reload re-attached to a reply still being written, of which the page shows `content`. */
  | { type: "watched"; chatId: string; replyId: string; content: string }
  /** The stream of `key` delivered an event. */
  | { type: "received"; key: string; event: ReplyEvent }
  /** The stream's connection dropped; it is trying again. */
  | { type: "connection-lost"; key: string; error: string }
  /** The stream's connection is back. */
  | { type: "connection-restored"; key: string }
  /** The stream is re-opened from what we have (a retry, or after a gap). */
  | { type: "resumed"; key: string }
  | { type: "stop-requested"; key: string }
  | { type: "stop-failed"; key: string; error: string }
  /** The stream ended without the reply's end, or could not go on. */
  | { type: "failed"; key: string; error: string }
  /** The service refused the message: a limit was reached (nothing was sent to the model). */
  | { type: "refused"; key: string; limit: LimitRefusal }
  /** The reply is of no interest any more (its chat was deleted, a new chat was started). */
  | { type: "forgotten"; key: string };

export function reduceLiveReplies(state: LiveReplies, action: LiveReplyAction): LiveReplies {
  switch (action.type) {
    case "sent": {
      const key = action.chatId ?? newChatKey;
      return withReply(state, key, {
        ...emptyReply(key, action.chatId),
        userText: action.text,
        replaces: action.replaces ?? null,
        phase: "sending",
      });
    }
    case "watched":
      return withReply(state, action.chatId, watched(state.get(action.chatId), action));
    case "received":
      return received(state, action.key, action.event);
    case "connection-lost":
      return update(state, action.key, (reply) => {
        if (isOver(reply)) return reply;
        // Before `started` a reconnect would send the message again: give up and let the person retry.
        if (reply.replyId === null) return failed(reply, action.error);
        return reply.phase === "stopping" ? reply : { ...reply, phase: "reconnecting" };
      });
    case "connection-restored":
      return update(state, action.key, (reply) =>
        reply.phase === "reconnecting" ? { ...reply, phase: "streaming" } : reply,
      );
    case "resumed":
      return update(state, action.key, (reply) => {
        if (reply.phase === "failed")
          return { ...reply, phase: "streaming", error: null, limit: null, gap: false };
        return reply.gap ? { ...reply, gap: false } : reply;
      });
    case "stop-requested":
      return update(state, action.key, (reply) => (isOver(reply) ? reply : { ...reply, phase: "stopping" }));
    case "stop-failed":
      return update(state, action.key, (reply) =>
        isOver(reply) ? reply : { ...reply, phase: "streaming", error: action.error },
      );
    case "failed":
      return update(state, action.key, (reply) => (isOver(reply) ? reply : failed(reply, action.error)));
    case "refused":
      return update(state, action.key, (reply) =>
        isOver(reply) ? reply : { ...failed(reply, ""), error: null, limit: action.limit },
      );
    case "forgotten": {
      if (!state.has(action.key)) return state;
      const next = new Map(state);
      next.delete(action.key);
      return next;
    }
  }
}

/** Whether the reply has ended, one way or the other: nothing more will change it. */
export function isOver(reply: LiveReply): boolean {
  return reply.phase === "done" || reply.phase === "failed";
}

function emptyReply(key: string, chatId: string | null): LiveReply {
  return {
    key,
    chatId,
    replyId: null,
    userMessageId: null,
    userText: null,
    replaces: null,
    content: "",
    length: 0,
    status: "streaming",
    phase: "streaming",
    context: null,
    error: null,
    failedBeforeStart: false,
    limit: null,
    gap: false,
  };
}

function watched(
  current: LiveReply | undefined,
  { chatId, replyId, content }: { chatId: string; replyId: string; content: string },
): LiveReply {
  // This tab may already hold more of the same reply than the page rendered: never go back.
  const base = current?.replyId === replyId && current.length > codePointLength(content) ? current : null;
  return {
    ...emptyReply(chatId, chatId),
    replyId,
    userMessageId: base?.userMessageId ?? null,
    userText: base?.userText ?? null,
    replaces: base?.replaces ?? null,
    content: base?.content ?? content,
    length: base?.length ?? codePointLength(content),
    context: base?.context ?? null,
  };
}

function received(state: LiveReplies, key: string, event: ReplyEvent): LiveReplies {
  const reply = state.get(key);
  if (!reply) return state;
  switch (event.type) {
    case "started": {
      const started: LiveReply = {
        ...reply,
        key: event.chatId,
        chatId: event.chatId,
        replyId: event.replyId,
        userMessageId: event.userMessageId || reply.userMessageId,
        context: event.context ?? reply.context,
        phase: reply.phase === "sending" ? "streaming" : reply.phase,
      };
      if (event.chatId === key) return withReply(state, key, started);
      // A new chat got its id: the reply moves from "new" to it.
      const next = new Map(state);
      next.delete(key);
      next.set(event.chatId, started);
      return next;
    }
    case "delta": {
      if (event.offset > reply.length)
        return reply.gap ? state : withReply(state, key, { ...reply, gap: true });
      const text = sliceFromCodePoint(event.text, reply.length - event.offset);
      if (text.length === 0) return state;
      return withReply(state, key, {
        ...reply,
        content: reply.content + text,
        length: reply.length + codePointLength(text),
      });
    }
    case "finished":
      return withReply(state, key, { ...reply, status: event.status, phase: "done", error: null });
  }
}

function failed(reply: LiveReply, error: string): LiveReply {
  return { ...reply, phase: "failed", error, failedBeforeStart: reply.replyId === null };
}

function update(state: LiveReplies, key: string, change: (reply: LiveReply) => LiveReply): LiveReplies {
  const reply = state.get(key);
  if (!reply) return state;
  const changed = change(reply);
  return changed === reply ? state : withReply(state, key, changed);
}

function withReply(state: LiveReplies, key: string, reply: LiveReply): LiveReplies {
  return new Map(state).set(key, reply);
}
