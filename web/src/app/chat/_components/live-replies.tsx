"use client";

import { useQueryClient } from "@tanstack/react-query";
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
    const refreshList = () => void queryClient.invalidateQueries(trpc.chat.list.pathFilter());
    const offStarted = store.onStarted(refreshList);
    const offFinished = store.onFinished(refreshList);
    return () => {
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
