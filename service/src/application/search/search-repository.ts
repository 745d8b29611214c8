/**
 * The port for searching stored conversations. The MySQL adapter keeps its own n-gram index (see
 * adapters/mysql/search-*.ts and docs/search.md); the index is written by the chat repository's writes.
 */
import type { Page } from "../chats/chat-repository.js";

/** Where a hit was found: a chat's title, or a message of the user or the model. */
export type SearchHitRole = "title" | "user" | "assistant";

/** What to look for, folded (see domain/search-text.ts), with the index keys to narrow it by. */
export interface SearchQuery {
  /** The folded query; what the stored (folded) text must contain. */
  folded: string;
  /** Some of its bigrams (empty for a one-character query): candidates must have all of them. */
  grams: number[];
}

export interface SearchHit {
  chatId: string;
  /** The chat's current title. */
  chatTitle: string;
  /** null for a title hit. */
  messageId: string | null;
  role: SearchHitRole;
  /** The text that matched, as stored: the message's content or the title. */
  text: string;
  /** When the text was written (the message; the reply's end; the title's last change). */
  matchedAt: Date;
}

export interface SearchRepository {
  /**
   * A page of the user's documents whose folded text contains `query.folded`, most recently indexed
   * first. Scoped by `userId` in the same statement. The cursor is opaque and bound to the query:
   * another query's cursor is `argument.invalid`.
   */
  searchChats(
    userId: string,
    query: SearchQuery,
    limit: number,
    cursor: string | null,
  ): Promise<Page<SearchHit>>;
}
