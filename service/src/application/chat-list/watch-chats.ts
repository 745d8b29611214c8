/**
 * watchChats: a user's chat list, live. It starts with `ready` once it listens (the client then lists its
 * chats, so nothing falls between the list and the watch), then yields every change of the user's chats
 * from any replica, coalesced per chat for a slow reader (chat-event-queue.ts). Bounded: at most
 * `maxWatchesPerUser` open watches per user in this process.
 */
import { tooManyWatches } from "../../domain/errors.js";
import { requireUserId } from "../input-rules.js";
import type { ChatEvents, ChatListEvent } from "./chat-events.js";
import { ChatEventQueue } from "./chat-event-queue.js";

export interface ChatWatchSettings {
  /** Open watches per user in one process; the next is refused with `watch.too_many`. */
  maxWatchesPerUser: number;
  /** Chats with an unread change per watch; beyond that the watch sends `resync` instead. */
  maxPendingPerWatch: number;
}

export const defaultChatWatchSettings: ChatWatchSettings = { maxWatchesPerUser: 10, maxPendingPerWatch: 256 };

/** What a chat-list watch tells: list changes (a chat's branch switching is not one). */
export type ListEvent = Exclude<ChatListEvent, { type: "branch" }>;

export type WatchedChatEvent = { type: "ready" } | ListEvent;

export interface WatchChatsInput {
  userId: string;
  signal: AbortSignal;
}

export class ChatWatches {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly events: ChatEvents,
    private readonly settings: ChatWatchSettings = defaultChatWatchSettings,
  ) {}

  /**
   * Opens a watch and yields its events until `signal` aborts. The bound is checked when the first event
   * is asked for (before `ready`), so a refused watch fails before anything is sent.
   */
  async *watch(input: WatchChatsInput): AsyncGenerator<WatchedChatEvent> {
    const userId = requireUserId(input.userId);
    this.hold(userId);
    const queue = new ChatEventQueue(this.settings.maxPendingPerWatch);
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    const push = (event: ChatListEvent) => {
      if (event.type === "branch") return;
      queue.push(event);
      notify();
    };
    const { signal } = input;
    signal.addEventListener("abort", notify, { once: true });
    let unsubscribe = () => undefined as void;
    try {
      unsubscribe = await this.events.subscribe(userId, {
        event: push,
        lost: () => push({ type: "resync" }),
      });
      yield { type: "ready" };
      while (!signal.aborted) {
        const event = queue.take();
        if (event) yield event;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal.removeEventListener("abort", notify);
      unsubscribe();
      this.release(userId);
    }
  }

  /**
   * Counts one more open watch of `userId` (a chat-list or a single-chat watch: they share the bound),
   * or throws `watch.too_many`. The caller releases it with `release`.
   */
  hold(userId: string): void {
    const count = this.open.get(userId) ?? 0;
    if (count >= this.settings.maxWatchesPerUser) throw tooManyWatches(this.settings.maxWatchesPerUser);
    this.open.set(userId, count + 1);
  }

  /** The chat events this watch set listens to (WatchChat follows one chat's). */
  get chatEvents(): ChatEvents {
    return this.events;
  }

  /** Open watches of `userId` in this process. */
  openWatches(userId: string): number {
    return this.open.get(userId) ?? 0;
  }

  release(userId: string): void {
    const count = (this.open.get(userId) ?? 1) - 1;
    if (count > 0) this.open.set(userId, count);
    else this.open.delete(userId);
  }
}
