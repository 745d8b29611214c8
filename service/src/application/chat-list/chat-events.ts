/**
 * Changes to a user's chat list, and the port that carries them to every watch of that user (see
 * WatchChats). One process: `createInProcessChatEvents`. Several replicas: the Redis bus's `chatEvents`,
 * one channel per user (adapters/redis/redis-chat-events.ts).
 */
import type { Chat } from "../../domain/chat.js";

/** What a chat-list watch is told. `chat` is the summary as ListChats returns it (no instructions text). */
export type ChatListEvent =
  | { type: "created"; chat: Chat }
  | { type: "updated"; chat: Chat }
  | { type: "deleted"; chatId: string }
  /** A chat's active path switched (SetActiveBranch): WatchChat tells it; chat lists do not show it. */
  | { type: "branch"; chatId: string; leafId: string }
  | { type: "resync" };

/** A listener of one user's chat events; `lost` means events may have been missed (list again). */
export interface ChatEventListener {
  event(event: ChatListEvent): void;
  lost(): void;
}

export interface ChatEvents {
  /** Announces a change to every watch of `userId`, on every replica. Never throws, never waits. */
  publish(userId: string, event: ChatListEvent): void;
  /**
   * Listens to `userId`'s events until the returned function is called. Resolves once listening (an
   * event published after that is heard); fails with `hub.unavailable` when the bus is unreachable.
   */
  subscribe(userId: string, listener: ChatEventListener): Promise<() => void>;
}

/** The summary as lists carry it: the instructions' text left out, as ListChats does. */
export const chatSummary = (chat: Chat): Chat => {
  const { instructions: _left, ...summary } = chat;
  return summary;
};

/** Chat events within one process. */
export function createInProcessChatEvents(): ChatEvents {
  const listeners = new Map<string, Set<ChatEventListener>>();
  return {
    publish(userId, event) {
      for (const listener of listeners.get(userId) ?? []) listener.event(event);
    },
    subscribe(userId, listener) {
      let set = listeners.get(userId);
      if (!set) listeners.set(userId, (set = new Set()));
      set.add(listener);
      return Promise.resolve(() => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(userId) === set) listeners.delete(userId);
      });
    },
  };
}
