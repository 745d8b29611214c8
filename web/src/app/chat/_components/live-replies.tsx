"use client";

import { useQueryClient, type InfiniteData } from "@tanstack/react-query";
import type { ChatSummary } from "~/lib/chat-types";
import { followGeneratedTitle } from "./title-refresh";
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { trpcClient, useTRPC } from "~/trpc/client";
import { LiveReplyStore } from "./live-reply-store";
import type { LiveReply } from "./reduce-live-replies";

const StoreContext = createContext<LiveReplyStore | null>(null);

/** Holds this tab's live replies for the chat pages; closes every stream when they are left. */
export function LiveRepliesProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new LiveReplyStore(trpcClient));
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useEffect(() => {
    const listFilter = trpc.chat.list.pathFilter();
    const refreshList = () => void queryClient.invalidateQueries(listFilter);
    // A generated title comes a little after the first answer: see title-refresh.ts.
    const leaving = new AbortController();
    const following = new Set<string>();
    const cached = (chatId: string) =>
      queryClient
        .getQueriesData<InfiniteData<{ chats: ChatSummary[] }>>(listFilter)
        .flatMap(([, data]) => data?.pages.flatMap((page) => page.chats) ?? [])
        .find((chat) => chat.id === chatId);
    const followTitle = (chatId: string) => {
      if (following.has(chatId)) return;
      following.add(chatId);
      const refetch = () => queryClient.refetchQueries(listFilter);
      void followGeneratedTitle(chatId, { cached, refetch, signal: leaving.signal })
        .catch(() => false)
        .finally(() => following.delete(chatId));
    };
    const offStarted = store.onStarted(refreshList);
    const offFinished = store.onFinished((reply) => {
      refreshList();
      if (reply.status === "complete" && reply.chatId) followTitle(reply.chatId);
    });
    return () => {
      leaving.abort();
      offStarted();
      offFinished();
      store.closeAll();
    };
  }, [store, trpc, queryClient]);
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useLiveReplyStore(): LiveReplyStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error("useLiveReplyStore needs <LiveRepliesProvider>");
  return store;
}

/** The live reply of one chat (or of the new-chat page), re-rendering on each of its changes. */
export function useLiveReply(key: string): LiveReply | undefined {
  const store = useLiveReplyStore();
  return useSyncExternalStore(
    store.subscribe,
    () => store.get(key),
    () => undefined,
  );
}
