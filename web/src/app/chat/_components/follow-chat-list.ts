/**
 * Keeps this tab's chat list live (WatchChats through the BFF): each change is applied to the cached
 * list; `ready` (the watch listens, again) and `resync` (changes were lost) fetch the list again. This is
 * also how a generated title appears, and a chat created, renamed or deleted on another tab or device.
 * A subscription that fails is opened again after a growing wait (1 s doubling up to 30 s).
 */
import type { ChatListChange } from "~/lib/chat-list-change";

export interface FollowChatListDeps {
  subscribe(handlers: {
    onData(change: ChatListChange): void;
    onError(error: unknown): void;
    onComplete(): void;
  }): { unsubscribe(): void };
  apply(change: ChatListChange): void;
  relist(): void;
  firstWaitMs?: number;
}

/** Follows until the returned function is called. */
export function followChatList(deps: FollowChatListDeps): () => void {
  const firstWaitMs = deps.firstWaitMs ?? 1_000;
  let waitMs = firstWaitMs;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let subscription: { unsubscribe(): void } | undefined;
  const reopen = () => {
    if (stopped) return;
    timer = setTimeout(open, waitMs);
    waitMs = Math.min(waitMs * 2, 30_000);
  };
  function open() {
    subscription = deps.subscribe({
      onData(change) {
        if (change.type === "ready") waitMs = firstWaitMs;
        if (change.type === "ready" || change.type === "resync") deps.relist();
        else deps.apply(change);
      },
      onError: reopen,
      onComplete: reopen,
    });
  }
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    subscription?.unsubscribe();
  };
}
