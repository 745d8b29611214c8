"use client";

/**
 * Keeps an open chat live (`followChat`): another tab's or device's answer types here as it is written
 * (through the live-reply store, as this tab's own; this tab's own reply is not shown twice), renames and
 * model changes reach the header, and a deletion leaves the chat as deleting it here does. When a reply
 * of another tab starts, the turn this tab showed stays on the page and the new user message is read
 * with the chat (GetChat) rather than guessed; so is anything that changed while the watch was down.
 */
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type Dispatch, type SetStateAction } from "react";
import type { ChatMessage, ChatSummary } from "~/lib/chat-types";
import { trpcClient } from "~/trpc/client";
import { followChat } from "./follow-chat";
import { useLiveReplyStore } from "./live-replies";
import { keepFinishedTurn, mergeLatestPage } from "./merge-latest-page";

export interface WatchChatOptions {
  /** The open chat; null for a new chat without an id yet (nothing to watch). */
  chatId: string | null;
  /** The page's messages (the latest page and the turns since) and their setter. */
  messages: readonly ChatMessage[];
  setMessages: Dispatch<SetStateAction<ChatMessage[]>>;
  /** When the chat last changed as the page was rendered (null: not rendered with the page). */
  renderedUpdatedAt: string | null;
  /** The chat's model changed (on another tab, or as the watch opens). */
  onModel(model: string): void;
  /** The chat's path changed elsewhere (a version chosen, an earlier answer written again): show it anew. */
  onPathChanged(): void;
}

/** Follows the chat while the page shows it; returns its latest summary (null until the watch opens). */
export function useWatchChat(options: WatchChatOptions): ChatSummary | null {
  const { chatId } = options;
  const store = useLiveReplyStore();
  const router = useRouter();
  const [summary, setSummary] = useState<ChatSummary | null>(null);
  // The latest options, read by the watch's callbacks without reopening it on each render.
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });

  useEffect(() => {
    if (!chatId) return;
    // Reads answered out of order: an older one never undoes what a newer one showed.
    let reads = 0;
    let shown = 0;
    const readChat = () => {
      const read = ++reads;
      trpcClient.chat.get.query({ chatId }).then(
        (page) => {
          if (read < shown) return;
          shown = read;
          latest.current.setMessages((held) => mergeLatestPage(held, page.messages));
        },
        // Not fatal: the next change, or a reload, reads it again.
        () => undefined,
      );
    };
    const offAdopt = store.onAdopt(({ chatId: adopted, started, previous }) => {
      if (adopted !== chatId) return;
      latest.current.setMessages((held) => keepFinishedTurn(held, previous));
      const held = latest.current.messages;
      const at = held.findIndex((message) => message.id === started.userMessageId);
      // Another answer to a message this page shows with something after it: a regenerate elsewhere
      // changed the path (its reply goes where the old answer was), so the path is read anew.
      if (at >= 0 && at < held.length - 1) latest.current.onPathChanged();
      else if (!started.userMessageId || at < 0) readChat();
    });
    const stop = followChat({
      chatId,
      subscribe: (handlers) => trpcClient.chat.watchChat.subscribe({ chatId }, handlers),
      store,
      changedAt: latest.current.renderedUpdatedAt,
      show(chat) {
        setSummary(chat);
        latest.current.onModel(chat.model);
      },
      readChat,
      pathChanged: () => latest.current.onPathChanged(),
      leave() {
        store.forget(chatId);
        router.replace("/chat");
      },
    });
    return () => {
      stop();
      offAdopt();
    };
  }, [chatId, store, router]);

  return summary?.id === chatId ? summary : null;
}
