/** SearchChats' protobuf answer → the browser's plain JSON (`~/lib/search-types`). */
import "server-only";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SearchResultRole, type SearchChatsResponse } from "@parley/gen/parley/search/v1/search_pb";
import type { SearchPage, SearchResultView } from "~/lib/search-types";

const roles: Record<SearchResultRole, SearchResultView["role"] | null> = {
  [SearchResultRole.UNSPECIFIED]: null,
  [SearchResultRole.TITLE]: "title",
  [SearchResultRole.USER]: "user",
  [SearchResultRole.ASSISTANT]: "assistant",
};

export function toSearchPage(response: SearchChatsResponse): SearchPage {
  return {
    results: response.results.flatMap((result) => {
      const role = roles[result.role];
      if (role === null) return [];
      return [
        {
          chatId: result.chatId,
          chatTitle: result.chatTitle,
          messageId: result.messageId || null,
          role,
          snippet: result.snippet.map(({ text, highlight }) => ({ text, highlight })),
          matchedAt: result.matchedAt
            ? timestampDate(result.matchedAt).toISOString()
            : new Date(0).toISOString(),
        },
      ];
    }),
    nextCursor: response.nextPageToken || null,
  };
}
