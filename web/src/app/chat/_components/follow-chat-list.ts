/**
 * Keeps this tab's chat list live (WatchChats through the BFF): each change is applied to the cached
 * list; `ready` (the watch listens, again) and `resync` (changes were lost) fetch the list again. This is
 * also how a generated title appears, and a chat created, renamed or deleted on another tab or device.
 * A subscription that fails is opened again after a growing wait (`keepSubscribed`).
 */
import type { ChatListChange } from "~/lib/chat-list-change";
import { keepSubscribed, type SubscriptionHandlers } from "./keep-subscribed";

export interface FollowChatListDeps {
  subscribe(handlers: SubscriptionHandlers<ChatListChange>): { unsubscribe(): void };
  apply(change: ChatListChange): void;
  relist(): void;
  firstWaitMs?: number;
}

/** Follows until the returned function is called. */
export function followChatList(deps: FollowChatListDeps): () => void {
  return keepSubscribed({
    subscribe: deps.subscribe,
    firstWaitMs: deps.firstWaitMs,
    listening: (change) => change.type === "ready",
    onData(change) {
      if (change.type === "ready" || change.type === "resync") deps.relist();
      else deps.apply(change);
    },
  });
}
