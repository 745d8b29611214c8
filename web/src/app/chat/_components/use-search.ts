"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/client";

/** Search results for `query` (already trimmed and debounced), page by page; idle while it is empty. */
export function useSearch(query: string) {
  const trpc = useTRPC();
  return useInfiniteQuery(
    trpc.search.chats.infiniteQueryOptions(
      { query },
      {
        enabled: query.length > 0,
        initialCursor: null,
        getNextPageParam: (last) => last.nextCursor,
        // Results follow what was written: a search typed again is asked again.
        staleTime: 0,
        retry: false,
      },
    ),
  );
}
