"use client";

import { useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { applyChatListChange, type ListPages } from "./apply-chat-list-change";
import { followChatList } from "./follow-chat-list";
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
    // Chats created, renamed, retitled or deleted anywhere (another tab, device, a generated title).
    const stopList = followChatList({
      subscribe: (handlers) => trpcClient.chat.watchList.subscribe(undefined, handlers),
      apply: (change) => {
        queryClient.setQueriesData<InfiniteData<ListPages["pages"][number]>>(listFilter, (data) =>
          data?.pages ? applyChatListChange(data, change) : data,
        );
        // A list read under way may have started before this change: it would put the old state back.
        // Invalidating cancels it and reads again, after the change.
        if (queryClient.isFetching(listFilter) > 0) refreshList();
      },
      relist: refreshList,
    });
    const offStarted = store.onStarted(refreshList);
    const offFinished = store.onFinished(refreshList);
    return () => {
      stopList();
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
