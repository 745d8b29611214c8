/** What the browser sees of search results: plain JSON, no protobuf (the BFF converts SearchChats). */

/** A piece of a snippet; `highlight` marks an occurrence of the query. */
export interface SnippetSegment {
  text: string;
  highlight: boolean;
}

export interface SearchResultView {
  chatId: string;
  chatTitle: string;
  /** null when the match is in the chat's title. */
  messageId: string | null;
  role: "title" | "user" | "assistant";
  snippet: SnippetSegment[];
  /** ISO time the matched text was written. */
  matchedAt: string;
}

export interface SearchPage {
  results: SearchResultView[];
  /** For the next page of the same query; null when there are no more. */
  nextCursor: string | null;
}

/** The service's bound on a query (UTF-8 bytes): the box stops there. */
export const maxSearchQueryBytes = 256;
