/**
 * Keeps one open chat live (WatchChat through the BFF, `chat.watchChat`), for the chat page: reply events
 * go to the live-reply store (which shows another tab's reply and not this tab's own twice), the chat's
 * summary to the header, and a deletion makes the page leave. Each (re)opened watch starts with `ready`:
 * the chat is read again when it changed since the page last knew it (a turn made while the page loaded
 * or the watch was down), and after a reopen a reply shown from the watch is caught up (it may have ended
 * unseen). A watch that fails is opened again after a growing wait (`keepSubscribed`); one that ended
 * with `deleted` is not.
 */
import type { ChatSummary } from "~/lib/chat-types";
import type { ChatWatchEvent } from "~/lib/chat-watch-event";
import { keepSubscribed, type SubscriptionHandlers } from "./keep-subscribed";
import type { LiveReplyStore } from "./live-reply-store";

export interface FollowChatDeps {
  chatId: string;
  subscribe(handlers: SubscriptionHandlers<ChatWatchEvent>): { unsubscribe(): void };
  store: Pick<LiveReplyStore, "told" | "caughtUp">;
  /** When the chat last changed as the page was rendered (null: not known). */
  changedAt: string | null;
  /** The chat as it is now (title, model). */
  show(chat: ChatSummary): void;
  /** Reads the chat's latest messages again. */
  readChat(): void;
  /** The chat shows another path now (a version chosen elsewhere): read it again, in place of this one. */
  pathChanged(): void;
  /** The chat is gone. */
  leave(): void;
  firstWaitMs?: number;
}

/** Follows until the returned function is called. */
export function followChat(deps: FollowChatDeps): () => void {
  const { chatId, store } = deps;
  let changedAt = deps.changedAt;
  let opened = false;
  const show = (chat: ChatSummary) => {
    changedAt = chat.updatedAt;
    deps.show(chat);
  };
  return keepSubscribed<ChatWatchEvent>({
    subscribe: deps.subscribe,
    firstWaitMs: deps.firstWaitMs,
    listening: (event) => event.type === "ready",
    last: (event) => event.type === "deleted",
    onData(event) {
      switch (event.type) {
        case "ready":
          if (opened) store.caughtUp(chatId);
          opened = true;
          if (event.chat.updatedAt !== changedAt) deps.readChat();
          return show(event.chat);
        case "changed":
          return show(event.chat);
        case "reply":
          return store.told(chatId, event.event);
        case "branch":
          return deps.pathChanged();
        case "deleted":
          return deps.leave();
      }
    },
  });
}
