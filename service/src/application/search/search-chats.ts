/**
 * searchChats: find words in the user's own chats — titles, their messages and the model's replies —
 * and show each place with a snippet around the match.
 */
import { invalidArgument } from "../../domain/errors.js";
import {
  buildSnippet,
  foldForSearch,
  searchGrams,
  spreadGrams,
  type SnippetSegment,
} from "../../domain/search-text.js";
import { pageSize, requireUserId } from "../input-rules.js";
import type { SearchHitRole, SearchQuery, SearchRepository } from "./search-repository.js";

/** The most bytes (UTF-8) a query may have as typed, and characters once folded. */
export const maxQueryBytes = 256;
export const maxFoldedQueryLength = 256;
/** Results per page: the default and the most. */
export const defaultSearchPageSize = 20;
export const maxSearchPageSize = 50;
/**
 * How many of the query's bigrams narrow the candidates: enough to make a rare combination cheap, few
 * enough to keep the statement small. The substring check decides, so which ones only matters for speed.
 */
export const maxQueryGrams = 6;

export interface SearchChatsInput {
  userId: string;
  query: string;
  pageSize: number;
  pageToken: string;
}

export interface SearchResult {
  chatId: string;
  chatTitle: string;
  messageId: string | null;
  role: SearchHitRole;
  snippet: SnippetSegment[];
  matchedAt: Date;
}

export interface SearchResults {
  results: SearchResult[];
  nextPageToken: string | null;
}

const encoder = new TextEncoder();

/** The query, checked and folded; `argument.invalid` with the reason when it cannot be searched for. */
export function parseSearchQuery(query: string): SearchQuery {
  // Cheap bound first: UTF-8 never takes fewer bytes than UTF-16 units.
  if (query.length > maxQueryBytes || encoder.encode(query).length > maxQueryBytes)
    throw invalidArgument(`query is longer than ${maxQueryBytes} bytes (UTF-8); shorten it`);
  const folded = foldForSearch(query);
  if (folded.length === 0) throw invalidArgument("query is empty: type the words to search for");
  if (folded.length > maxFoldedQueryLength)
    throw invalidArgument(`query is longer than ${maxFoldedQueryLength} characters once normalized`);
  return { folded, grams: spreadGrams(searchGrams(folded), maxQueryGrams) };
}

export async function searchChats(
  deps: { search: SearchRepository },
  input: SearchChatsInput,
): Promise<SearchResults> {
  const userId = requireUserId(input.userId);
  const query = parseSearchQuery(input.query);
  const limit = pageSize(input.pageSize, defaultSearchPageSize, maxSearchPageSize);
  const page = await deps.search.searchChats(userId, query, limit, input.pageToken || null);
  return {
    results: page.items.map((hit) => ({
      chatId: hit.chatId,
      chatTitle: hit.chatTitle,
      messageId: hit.messageId,
      role: hit.role,
      snippet: buildSnippet(hit.text, query.folded),
      matchedAt: hit.matchedAt,
    })),
    nextPageToken: page.nextCursor,
  };
}
