"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import type { ChatSummary } from "~/lib/chat-types";
import { trpc } from "~/trpc/client";

export const chatListKey = ["chat.list"] as const;

export interface ChatListPage {
  chats: ChatSummary[];
  nextCursor: string | null;
}

/** The signed-in user's chats, newest first, page by page (the first page may come from the server). */
export function useChatList(initialPage?: ChatListPage | null) {
  return useInfiniteQuery({
    queryKey: chatListKey,
    queryFn: ({ pageParam }) => trpc.chat.list.query({ cursor: pageParam, limit: 30 }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    ...(initialPage ? { initialData: { pages: [initialPage], pageParams: [null] } } : {}),
  });
}
