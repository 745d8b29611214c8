"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import type { ChatSummary } from "~/lib/chat-types";
import { useTRPC } from "~/trpc/client";

export interface ChatListPage {
  chats: ChatSummary[];
  nextCursor: string | null;
}

/** The signed-in user's chats, newest first, page by page (the first page may come from the server). */
export function useChatList(initialPage?: ChatListPage | null) {
  const trpc = useTRPC();
  return useInfiniteQuery(
    trpc.chat.list.infiniteQueryOptions(
      { limit: 30 },
      {
        initialCursor: null,
        getNextPageParam: (last) => last.nextCursor,
        ...(initialPage ? { initialData: { pages: [initialPage], pageParams: [null] } } : {}),
      },
    ),
  );
}
