/**
 * `parley.search.v1.SearchService` over the searchChats use case. Errors are mapped by the error
 * interceptor (connect-errors.ts); the auth interceptor guards it like ChatService, and a personal API
 * key acts only for its own user (asActingUser).
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { SearchResultRole, SearchService } from "@parley/gen/parley/search/v1/search_pb";
import type { SearchChatsInput, SearchResults } from "../../application/search/search-chats.js";
import type { SearchHitRole } from "../../application/search/search-repository.js";
import { asActingUser } from "./caller-context.js";

/** What the handler needs: the use case, bound to its dependencies. */
export interface SearchUseCases {
  searchChats(input: SearchChatsInput): Promise<SearchResults>;
}

const roles: Record<SearchHitRole, SearchResultRole> = {
  title: SearchResultRole.TITLE,
  user: SearchResultRole.USER,
  assistant: SearchResultRole.ASSISTANT,
};

export function createSearchServiceHandler(useCases: SearchUseCases): ServiceImpl<typeof SearchService> {
  return {
    async searchChats(request, context) {
      const page = await useCases.searchChats(asActingUser(request, context));
      return {
        results: page.results.map((result) => ({
          chatId: result.chatId,
          chatTitle: result.chatTitle,
          messageId: result.messageId ?? "",
          role: roles[result.role],
          snippet: result.snippet,
          matchedAt: timestampFromDate(result.matchedAt),
        })),
        nextPageToken: page.nextPageToken ?? "",
      };
    },
  };
}
