/**
 * Replies being streamed into this tab, one per chat, kept outside React so a delta re-renders only the
 * chat that shows it. It owns the tRPC subscriptions: `send` (chat.send), `watch` (chat.watch, to pick a
 * reply up after a reload), `stop`, and `retry`. Text is assembled by code-point offset, so a resumed or
 * replayed stream can never duplicate or drop text.
 */
import type { Unsubscribable } from "@trpc/server/observable";
import type { ContextStats, ReplyEvent, ReplyStatus } from "~/lib/chat-types";
import { codePointLength, sliceFromCodePoint } from "~/lib/code-points";
import { errorMessage, trpc } from "~/trpc/client";

/** The key of a reply sent from the "new chat" page, until the service names its chat. */
export const newChatKey = "new";

export type LivePhase = "sending" | "streaming" | "reconnecting" | "stopping" | "done" | "failed";

export interface LiveReply {
  key: string;
  chatId: string | null;
  replyId: string | null;
  userMessageId: string | null;
  /** The message sent from this tab; null when re-attached to a reply after a reload. */
  userText: string | null;
  content: string;
  /** `content`'s length in code points: the offset the next delta must start at. */
  length: number;
  status: ReplyStatus;
  phase: LivePhase;
  context: ContextStats | null;
  /** Why the stream failed; `failedBeforeStart` when the message itself may not have been sent. */
  error: string | null;
  failedBeforeStart: boolean;
}

type Listener = () => void;

/** The callbacks given to `chat.send.subscribe` / `chat.watch.subscribe`. */
interface ReplyHandlers {
  onData(value: { id: string; data: ReplyEvent }): void;
  onError(error: unknown): void;
  onComplete(): void;
  onConnectionStateChange(state: { state: string; error: unknown }): void;
}

/** One open subscription; `closed` silences callbacks that arrive after we let it go. */
interface Stream {
  closed: boolean;
  unsubscribe(): void;
}

/** A stream that cannot reconnect for this long is given up, with a retry offered. */
const reconnectGiveUpMs = 20_000;

export class LiveReplyStore {
  private readonly replies = new Map<string, LiveReply>();
  private readonly streams = new Map<string, Stream>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<Listener>();
  private readonly startedListeners = new Set<(chatId: string) => void>();
  private readonly finishedListeners = new Set<(reply: LiveReply) => void>();

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get(key: string): LiveReply | undefined {
    return this.replies.get(key);
  }

  /** Called once a reply has a chat id (a new chat is born) — the page then moves to its URL. */
  onStarted(listener: (chatId: string) => void): () => void {
    this.startedListeners.add(listener);
    return () => this.startedListeners.delete(listener);
  }

  /** Called when a reply ends (any status): the chat list's order and titles may have changed. */
  onFinished(listener: (reply: LiveReply) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /** Sends `text` to `chatId` (null: a new chat) and streams the reply. */
  send(chatId: string | null, text: string): void {
    const key = chatId ?? newChatKey;
    this.end(key);
    this.set(key, {
      key,
      chatId,
      replyId: null,
      userMessageId: null,
      userText: text,
      content: "",
      length: 0,
      status: "streaming",
      phase: "sending",
      context: null,
      error: null,
      failedBeforeStart: false,
    });
    this.follow(key, (handlers) => trpc.chat.send.subscribe({ chatId, text }, handlers));
  }

  /** Re-attaches to a reply still being written, of which the page already shows `content`. */
  watch(chatId: string, replyId: string, content: string): void {
    const current = this.replies.get(chatId);
    // Already followed by this tab: still streaming, or already seen to the end.
    if (current?.replyId === replyId && (this.streams.has(chatId) || current.phase === "done")) return;
    this.end(chatId);
    const base = current?.replyId === replyId && current.length > codePointLength(content) ? current : null;
    this.set(chatId, {
      key: chatId,
      chatId,
      replyId,
      userMessageId: base?.userMessageId ?? null,
      userText: base?.userText ?? null,
      content: base?.content ?? content,
      length: base?.length ?? codePointLength(content),
      status: "streaming",
      phase: "streaming",
      context: base?.context ?? null,
      error: null,
      failedBeforeStart: false,
    });
    this.rewatch(chatId);
  }

  /** Asks the service to stop the reply; the stream then ends with `stopped`. */
  async stop(key: string): Promise<void> {
    const reply = this.replies.get(key);
    if (!reply?.replyId || reply.phase === "done") return;
    this.update(key, { phase: "stopping" });
    try {
      await trpc.chat.stop.mutate({ replyId: reply.replyId });
    } catch (error) {
      this.update(key, { phase: "streaming", error: `Could not stop the answer: ${errorMessage(error)}` });
    }
  }

  /** Tries again after a failure: resends a message that never started, or resumes a cut stream. */
  retry(key: string): void {
    const reply = this.replies.get(key);
    if (!reply || reply.phase !== "failed") return;
    if (reply.replyId === null) {
      if (reply.userText !== null) this.send(reply.chatId, reply.userText);
      return;
    }
    this.update(key, { phase: "streaming", error: null });
    this.rewatch(key);
  }

  /** Forgets a chat's reply (e.g. the chat was deleted), closing its stream. */
  forget(key: string): void {
    this.end(key);
    this.replies.delete(key);
    this.emit();
  }

  /** Closes every stream (sign-out, leaving the chat pages). */
  closeAll(): void {
    for (const key of [...this.streams.keys()]) this.end(key);
  }

  private rewatch(key: string): void {
    const reply = this.replies.get(key);
    if (!reply?.replyId) return;
    this.end(key);
    const { replyId, length } = reply;
    this.follow(key, (handlers) => trpc.chat.watch.subscribe({ replyId, fromOffset: length }, handlers));
  }

  private follow(initialKey: string, open: (handlers: ReplyHandlers) => Unsubscribable): void {
    // The key moves from "new" to the chat id once the service names the chat.
    let key = initialKey;
    const stream: Stream = { closed: false, unsubscribe: () => {} };
    const subscription = open({
      onData: ({ data }) => {
        if (!stream.closed) key = this.apply(key, data);
      },
      onError: (error) => {
        if (!stream.closed) this.fail(key, errorMessage(error));
      },
      onComplete: () => {
        if (stream.closed) return;
        const reply = this.replies.get(key);
        this.end(key);
        if (reply && reply.phase !== "done" && reply.phase !== "failed") {
          this.fail(key, "The answer stopped arriving. Retry to pick it up again.");
        }
      },
      onConnectionStateChange: (state) => {
        const reply = this.replies.get(key);
        if (stream.closed || !reply || reply.phase === "done" || reply.phase === "failed") return;
        if (state.state === "connecting" && state.error) {
          // Before `started` a reconnect would send the message again: give up and let the person retry.
          if (reply.replyId === null) return this.fail(key, errorMessage(state.error));
          if (reply.phase !== "stopping") this.update(key, { phase: "reconnecting" });
          if (!this.timers.has(key)) {
            const giveUp = () => this.fail(key, "Lost the connection to Parley while it was answering.");
            this.timers.set(key, setTimeout(giveUp, reconnectGiveUpMs));
          }
        } else if (state.state === "pending" && reply.phase === "reconnecting") {
          this.clearTimer(key);
          this.update(key, { phase: "streaming" });
        }
      },
    });
    stream.unsubscribe = () => subscription.unsubscribe();
    this.streams.set(key, stream);
  }

  /** Applies one event; returns the reply's key (which changes when a new chat gets its id). */
  private apply(key: string, event: ReplyEvent): string {
    const reply = this.replies.get(key);
    if (!reply) return key;
    if (event.type === "started") {
      const chatKey = event.chatId;
      const started: LiveReply = {
        ...reply,
        key: chatKey,
        chatId: event.chatId,
        replyId: event.replyId,
        userMessageId: event.userMessageId || reply.userMessageId,
        context: event.context ?? reply.context,
        phase: reply.phase === "sending" ? "streaming" : reply.phase,
      };
      if (chatKey !== key) {
        this.moveKey(key, chatKey);
        this.set(chatKey, started);
        for (const listener of this.startedListeners) listener(chatKey);
      } else {
        this.set(key, started);
      }
      return chatKey;
    }
    if (event.type === "delta") {
      if (event.offset > reply.length) {
        // A gap (never expected): fetch the missing text by watching from what we have.
        this.rewatch(key);
        return key;
      }
      const text = sliceFromCodePoint(event.text, reply.length - event.offset);
      if (text.length > 0) {
        this.update(key, { content: reply.content + text, length: reply.length + codePointLength(text) });
      }
      return key;
    }
    this.clearTimer(key);
    this.update(key, { status: event.status, phase: "done", error: null });
    // The server ends the subscription after `finished`; nothing more to wait for.
    const stream = this.streams.get(key);
    if (stream) stream.closed = true;
    this.streams.delete(key);
    const finished = this.replies.get(key);
    if (finished) for (const listener of this.finishedListeners) listener(finished);
    return key;
  }

  private fail(key: string, message: string): void {
    this.end(key);
    const reply = this.replies.get(key);
    if (!reply || reply.phase === "done") return;
    this.update(key, { phase: "failed", error: message, failedBeforeStart: reply.replyId === null });
  }

  private moveKey(from: string, to: string): void {
    const stream = this.streams.get(from);
    this.streams.delete(from);
    this.replies.delete(from);
    const timer = this.timers.get(from);
    this.timers.delete(from);
    this.end(to);
    if (stream) this.streams.set(to, stream);
    if (timer) this.timers.set(to, timer);
  }

  private end(key: string): void {
    this.clearTimer(key);
    const stream = this.streams.get(key);
    this.streams.delete(key);
    if (stream && !stream.closed) {
      stream.closed = true;
      stream.unsubscribe();
    }
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  private update(key: string, patch: Partial<LiveReply>): void {
    const reply = this.replies.get(key);
    if (reply) this.set(key, { ...reply, ...patch });
  }

  private set(key: string, reply: LiveReply): void {
    this.replies.set(key, reply);
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
