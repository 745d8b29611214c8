"use client";

import Link from "next/link";
import { Spinner } from "~/components/spinner";
import type { SearchResultView } from "~/lib/search-types";
import { errorMessage } from "~/trpc/client";
import { ErrorBanner } from "./error-banner";
import { LoadMoreButton } from "./load-more-button";
import { useSearch } from "./use-search";

const roleLabels: Record<SearchResultView["role"], string> = {
  title: "Title",
  user: "You",
  assistant: "Parley",
};

/** Where a result leads: its chat, at the message when there is one. */
export function resultHref(result: SearchResultView): string {
  const chat = `/chat/${encodeURIComponent(result.chatId)}`;
  return result.messageId ? `${chat}#message-${encodeURIComponent(result.messageId)}` : chat;
}

/** The results of a search, in place of the chat list: snippets with the matches marked, then "more". */
export function SearchResults({ query, onOpen }: { query: string; onOpen(): void }) {
  const search = useSearch(query);
  const results = search.data?.pages.flatMap((page) => page.results) ?? [];
  const status = search.isPending
    ? "Searching…"
    : search.isError
      ? "Search failed."
      : results.length === 0
        ? `No matches for “${query}”.`
        : `${results.length}${search.hasNextPage ? "+" : ""} ${results.length === 1 ? "match" : "matches"}.`;
  return (
    <section aria-label="Search results" className="mt-2">
      <p className="sr-only" role="status">
        {status}
      </p>
      {search.isError && (
        <div className="px-1 pt-2">
          <ErrorBanner
            message={`Could not search. ${errorMessage(search.error)}`}
            onRetry={() => void search.refetch()}
            stacked
          />
        </div>
      )}
      {search.isPending && (
        <div className="flex justify-center py-6 text-faint">
          <Spinner />
        </div>
      )}
      {search.isSuccess && results.length === 0 && (
        <p className="px-3 py-6 text-center text-sm text-muted">No matches for “{query}”.</p>
      )}
      <ul className="space-y-0.5" data-testid="search-results">
        {results.map((result) => (
          <li key={`${result.chatId}:${result.messageId ?? "title"}`}>
            <Link
              href={resultHref(result)}
              onClick={onOpen}
              className="block rounded-lg px-3 py-2 text-sm hover:bg-line/50 focus-visible:bg-line/50"
              data-testid="search-result"
            >
              <span className="flex items-baseline justify-between gap-2">
                <span className="truncate font-medium">{result.chatTitle || "Untitled chat"}</span>
                <span className="shrink-0 text-xs text-muted">{roleLabels[result.role]}</span>
              </span>
              <span className="mt-0.5 line-clamp-3 text-xs break-words text-muted">
                {result.snippet.map((segment, i) =>
                  segment.highlight ? (
                    <mark key={i} className="rounded-sm bg-accent-soft px-0.5 text-fg">
                      {segment.text}
                    </mark>
                  ) : (
                    <span key={i}>{segment.text}</span>
                  ),
                )}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {search.hasNextPage && (
        <LoadMoreButton loading={search.isFetchingNextPage} onClick={() => void search.fetchNextPage()}>
          Load more results
        </LoadMoreButton>
      )}
    </section>
  );
}
