/**
 * Replies being streamed into this tab, one per chat, kept outside React so a delta re-renders only the
 * chat that shows it. The state and its rules are `reduceLiveReplies` (pure); this store does what a
 * reducer cannot: it opens and closes the tRPC subscriptions (`send`, `watch`, `stop`, `retry`), runs
 * the give-up timers of the connection policy, and tells its listeners. Another tab's reply, told by the
 * open chat's watch (`told`), goes through the same reducer, so it types here like the tab's own; the
 * tab's own reply, which the watch tells too, is not shown twice (`routeWatchedReply`).
 */
import type { Unsubscribable } from "@trpc/server/observable";
import type { ReplyEvent } from "~/lib/chat-types";
import { newRequestId } from "~/lib/request-id";
import { errorMessage, isNetworkFailure, limitRefusal, type TrpcClient } from "~/trpc/client";
import {
  isOver,
  newChatKey,
  reduceLiveReplies,
  type LiveReplies,
  type LiveReply,
  type LiveReplyAction,
} from "./reduce-live-replies";
import { routeWatchedReply, settleHeld } from "./route-watched-reply";
import {
  connectionChange,
  createGiveUpTimers,
  reconnectGiveUpMs,
  type ConnectionState,
} from "./reply-connection-policy";

/** Another tab's reply that a chat starts showing (see `LiveReplyStore.onAdopt`). */
export interface Adoption {
  chatId: string;
  started: Extract<ReplyEvent, { type: "started" }>;
  /** What the chat showed live before (this tab's finished turn, or nothing). */
  previous: LiveReply | undefined;
}

/** What a new chat's first message is sent with. */
export interface NewChatOptions {
  /** The model's id; absent: the service's default. */
  model?: string | undefined;
  /** Its own instructions ("" for no system prompt); absent or null: the service's default. */
  instructions?: string | null | undefined;
}

/** The callbacks given to `chat.send.subscribe` / `chat.watch.subscribe`. */
interface ReplyHandlers {
  onData(value: { id: string; data: ReplyEvent }): void;
  onError(error: unknown): void;
  onComplete(): void;
  onConnectionStateChange(state: ConnectionState): void;
}

/** What a turn asks for: a new message, another answer to one, or a new version of one. */
export type Turn =
  | { kind: "send"; chatId: string | null; text: string; options: NewChatOptions }
  /** Another answer beside the reply `messageId`. */
  | { kind: "regenerate"; chatId: string; messageId: string }
  /** `text` as a new version of the user's message `messageId`. */
  | { kind: "edit"; chatId: string; messageId: string; text: string };

/**
 * A turn started from this tab whose reply has not started: what a retry sends again, with the same
 * request id, so the service attaches the retry to the first attempt's reply if that one did reach it.
 */
interface PendingSend {
  turn: Turn;
  requestId: string;
  /** Whether the one automatic retry (after a network failure before `started`) was made. */
  autoRetried: boolean;
}

/** The pause before the automatic retry of a send that failed on the network before `started`. */
export const autoRetryDelayMs = 1_000;

/** One open subscription; `closed` silences callbacks that arrive after we let it go. */
interface Stream {
  closed: boolean;
  unsubscribe(): void;
}

export class LiveReplyStore {
  private state: LiveReplies = new Map();
  private readonly streams = new Map<string, Stream>();
  private readonly giveUp = createGiveUpTimers({
    giveUpMs: reconnectGiveUpMs,
    onGiveUp: (key) => this.fail(key, "Lost the connection to Parley while it was answering."),
  });
  private readonly listeners = new Set<() => void>();
  /** What was sent, by key, until the reply starts: a retry resends it as it was, with the same id. */
  private readonly pending = new Map<string, PendingSend>();
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly startedListeners = new Set<(chatId: string) => void>();
  private readonly finishedListeners = new Set<(reply: LiveReply) => void>();
  /** By chat: the reply shown from the chat's watch (another tab's), and watch events held (see `told`). */
  private readonly adopted = new Map<string, string>();
  private readonly held = new Map<string, ReplyEvent[]>();
  private readonly adoptListeners = new Set<(adoption: Adoption) => void>();

  constructor(private readonly client: TrpcClient) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get(key: string): LiveReply | undefined {
    return this.state.get(key);
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

  /**
   * Called just before the store shows another tab's reply in a chat, in place of `previous` (e.g. this
   * tab's finished turn, which the page keeps), so the page can keep it and load the new user message.
   */
  onAdopt(listener: (adoption: Adoption) => void): () => void {
    this.adoptListeners.add(listener);
    return () => this.adoptListeners.delete(listener);
  }

  /**
   * A reply event told by the chat's watch: another tab's reply is shown from these; this tab's own
   * reply is not shown twice (`routeWatchedReply`).
   */
  told(chatId: string, event: ReplyEvent): void {
    const facts = {
      live: this.state.get(chatId),
      adopted: this.adopted.get(chatId) ?? null,
      holding: this.held.has(chatId),
    };
    switch (routeWatchedReply(facts, event)) {
      case "hold":
        return void this.held.set(chatId, [...(this.held.get(chatId) ?? []), event]);
      case "adopt":
        return this.adopt(chatId, event);
      case "follow":
        return void this.receive(chatId, event);
      default:
        if (event.type === "started") this.adopted.delete(chatId);
    }
  }

  /**
   * The chat's watch was opened again: a reply shown from it may have ended meanwhile, unseen. It is
   * handed to a watch of its own (`chat.watch` from the text shown), which tells how it ended.
   */
  caughtUp(chatId: string): void {
    const replyId = this.adopted.get(chatId);
    const reply = this.state.get(chatId);
    this.adopted.delete(chatId);
    if (replyId && reply?.replyId === replyId && !isOver(reply)) this.watch(chatId, replyId, reply.content);
  }

  /**
   * Sends `text` to `chatId` and streams the reply. A new chat (null) takes `options`: its model (else
   * the default) and its own instructions ("" for none; else the default).
   */
  send(chatId: string | null, text: string, options: NewChatOptions = {}): void {
    this.start({ kind: "send", chatId, text, options });
  }

  /** Streams another answer beside the reply `messageId` (the old one is kept, as another version). */
  regenerate(chatId: string, messageId: string): void {
    this.start({ kind: "regenerate", chatId, messageId });
  }

  /** Sends `text` as a new version of the user's message `messageId` and streams its answer. */
  edit(chatId: string, messageId: string, text: string): void {
    this.start({ kind: "edit", chatId, messageId, text });
  }

  /** Re-attaches to a reply still being written, of which the page already shows `content`. */
  watch(chatId: string, replyId: string, content: string): void {
    const current = this.state.get(chatId);
    // Already followed by this tab: still streaming, or already seen to the end.
    if (current?.replyId === replyId && (this.streams.has(chatId) || current.phase === "done")) return;
    this.end(chatId);
    this.dispatch({ type: "watched", chatId, replyId, content });
    this.rewatch(chatId);
  }

  /** Asks the service to stop the reply; the stream then ends with `stopped`. */
  async stop(key: string): Promise<void> {
    const reply = this.state.get(key);
    if (!reply?.replyId || isOver(reply)) return;
    this.dispatch({ type: "stop-requested", key });
    try {
      await this.client.chat.stop.mutate({ replyId: reply.replyId });
    } catch (error) {
      this.dispatch({ type: "stop-failed", key, error: `Could not stop the answer: ${errorMessage(error)}` });
    }
  }

  /** Tries again after a failure: resends a message that never started, or resumes a cut stream. */
  retry(key: string): void {
    const reply = this.state.get(key);
    if (!reply || reply.phase !== "failed") return;
    if (reply.replyId !== null) return this.rewatch(key);
    const pending = this.pending.get(key);
    if (pending) this.sendOnce(pending);
    else if (reply.userText !== null && reply.replaces === null) this.send(reply.chatId, reply.userText);
  }

  /** Forgets a chat's reply (e.g. the chat was deleted), closing its stream. */
  forget(key: string): void {
    this.end(key);
    this.adopted.delete(key);
    this.held.delete(key);
    this.dispatch({ type: "forgotten", key });
  }

  /** Closes every stream (sign-out, leaving the chat pages). */
  closeAll(): void {
    for (const key of [...this.streams.keys()]) this.end(key);
  }

  private start(turn: Turn): void {
    this.sendOnce({ turn, requestId: newRequestId(), autoRetried: false });
  }

  /** Starts (or starts again: the same request id) a turn and streams its reply. */
  private sendOnce(send: PendingSend): void {
    const { turn } = send;
    const key = turn.chatId ?? newChatKey;
    this.end(key);
    this.pending.set(key, send);
    this.dispatch({
      type: "sent",
      chatId: turn.chatId,
      text: turn.kind === "regenerate" ? null : turn.text,
      replaces: turn.kind === "send" ? undefined : turn.messageId,
    });
    this.follow(key, (handlers) => this.open(send, handlers));
  }

  /** The turn's subscription: each kind its procedure, all streamed and resumed alike. */
  private open({ turn, requestId }: PendingSend, handlers: ReplyHandlers): Unsubscribable {
    const chat = this.client.chat;
    switch (turn.kind) {
      case "send": {
        const { model, instructions } = turn.chatId === null ? turn.options : {};
        const input = {
          chatId: turn.chatId,
          text: turn.text,
          requestId,
          ...(model && { model }),
          ...(typeof instructions === "string" && { instructions }),
        };
        return chat.send.subscribe(input, handlers);
      }
      case "regenerate":
        return chat.regenerate.subscribe(
          { chatId: turn.chatId, messageId: turn.messageId, requestId },
          handlers,
        );
      case "edit":
        return chat.edit.subscribe(
          { chatId: turn.chatId, messageId: turn.messageId, text: turn.text, requestId },
          handlers,
        );
    }
  }

  /**
   * After a network failure before `started` the send is made again once, after a short pause, with
   * the same request id (safe: the service attaches it to the first attempt's reply if there is one).
   * Returns whether it will be; a second failure is shown with its "Send again" button.
   */
  private retryBeforeStart(key: string): boolean {
    const reply = this.state.get(key);
    const pending = this.pending.get(key);
    if (!pending || pending.autoRetried || !reply || reply.replyId !== null || isOver(reply)) return false;
    pending.autoRetried = true;
    this.end(key);
    this.retryTimers.set(
      key,
      setTimeout(() => {
        this.retryTimers.delete(key);
        this.sendOnce(pending);
      }, autoRetryDelayMs),
    );
    return true;
  }

  /** (Re-)opens a reply's stream from the text this tab has. */
  private rewatch(key: string): void {
    const reply = this.state.get(key);
    if (!reply?.replyId) return;
    this.end(key);
    this.dispatch({ type: "resumed", key });
    const { replyId, length } = reply;
    this.follow(key, (handlers) =>
      this.client.chat.watch.subscribe({ replyId, fromOffset: length }, handlers),
    );
  }

  private follow(initialKey: string, open: (handlers: ReplyHandlers) => Unsubscribable): void {
    // The key moves from "new" to the chat id once the service names the chat.
    let key = initialKey;
    const stream: Stream = { closed: false, unsubscribe: () => {} };
    const subscription = open({
      onData: ({ data }) => {
        if (!stream.closed) key = this.receive(key, data);
      },
      onError: (error) => {
        if (stream.closed) return;
        // A limit is not a failure to retry at once: it is shown with when it resets.
        const limit = limitRefusal(error);
        if (limit) {
          this.end(key);
          this.dispatch({ type: "refused", key, limit });
        } else if (!(isNetworkFailure(error) && this.retryBeforeStart(key))) {
          this.fail(key, errorMessage(error));
        }
      },
      onComplete: () => {
        // The server ends a reply's stream after `finished`; an end before it means the reply was cut.
        if (!stream.closed) this.fail(key, "The answer stopped arriving. Retry to pick it up again.");
      },
      onConnectionStateChange: (connection) => {
        if (stream.closed) return;
        const change = connectionChange(this.state.get(key), connection);
        if (change === "restored") {
          this.giveUp.cancel(key);
          this.dispatch({ type: "connection-restored", key });
        } else if (change === "lost") {
          if (this.retryBeforeStart(key)) return;
          this.dispatch({ type: "connection-lost", key, error: errorMessage(connection.error) });
          const reply = this.state.get(key);
          // Failed at once (the message may not have been sent), or given a while to come back.
          if (reply && isOver(reply)) this.end(key);
          else this.giveUp.start(key);
        }
      },
    });
    stream.unsubscribe = () => subscription.unsubscribe();
    this.streams.set(key, stream);
  }

  /** Applies one stream event; returns the reply's key (which changes when a new chat gets its id). */
  private receive(key: string, event: ReplyEvent): string {
    if (!this.state.has(key)) return key;
    if (event.type === "started") this.pending.delete(key);
    if (event.type === "started" && event.chatId !== key) {
      this.moveStream(key, event.chatId);
      this.dispatch({ type: "received", key, event });
      for (const listener of this.startedListeners) listener(event.chatId);
      return event.chatId;
    }
    this.dispatch({ type: "received", key, event });
    const reply = this.state.get(key);
    if (reply?.gap) {
      // Text went missing (never expected): fetch it by watching from what we have.
      this.rewatch(key);
    } else if (reply && event.type === "finished") {
      this.giveUp.cancel(key);
      // The server ends the subscription after `finished`; nothing more to wait for.
      const stream = this.streams.get(key);
      if (stream) stream.closed = true;
      this.streams.delete(key);
      for (const listener of this.finishedListeners) listener(reply);
    }
    return key;
  }

  private moveStream(from: string, to: string): void {
    this.end(to);
    const stream = this.streams.get(from);
    this.streams.delete(from);
    if (stream) this.streams.set(to, stream);
    this.giveUp.move(from, to);
  }

  private fail(key: string, error: string): void {
    this.end(key);
    this.dispatch({ type: "failed", key, error });
  }

  private end(key: string): void {
    this.giveUp.cancel(key);
    clearTimeout(this.retryTimers.get(key));
    this.retryTimers.delete(key);
    const stream = this.streams.get(key);
    this.streams.delete(key);
    if (stream && !stream.closed) {
      stream.closed = true;
      stream.unsubscribe();
    }
  }

  private dispatch(action: LiveReplyAction): void {
    const next = reduceLiveReplies(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const key of this.held.keys()) this.settle(key);
    for (const listener of this.listeners) listener();
  }

  /** Starts showing another tab's reply (its `started` first) from the chat's watch. */
  private adopt(chatId: string, started: ReplyEvent, rest: ReplyEvent[] = []): void {
    if (started.type !== "started") return;
    for (const listener of this.adoptListeners)
      listener({ chatId, started, previous: this.state.get(chatId) });
    this.end(chatId);
    this.pending.delete(chatId);
    this.adopted.set(chatId, started.replyId);
    this.dispatch({ type: "watched", chatId, replyId: started.replyId, content: "" });
    for (const event of [started, ...rest]) this.receive(chatId, event);
  }

  /** Held watch events, once this tab's own send knows its reply (`settleHeld`). */
  private settle(chatId: string): void {
    const [started, ...rest] = this.held.get(chatId) ?? [];
    if (started?.type !== "started") return void this.held.delete(chatId);
    const verdict = settleHeld(this.state.get(chatId), started.replyId);
    if (verdict === "wait") return;
    this.held.delete(chatId);
    if (verdict === "adopt") this.adopt(chatId, started, rest);
  }
}
