/**
 * The SearchRepository over the n-gram index (search-index.ts writes it; docs/search.md says why it is
 * our own table rather than a FULLTEXT parser). One statement finds a page of matching documents, scoped
 * by user; a second reads what the page shows (titles, stored text) by primary keys.
 */
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Page } from "../../application/chats/chat-repository.js";
import type {
  SearchHit,
  SearchHitRole,
  SearchQuery,
  SearchRepository,
} from "../../application/search/search-repository.js";
import type { ChatDatabase } from "./database.js";
import { chats, messages, searchDocuments } from "./schema.js";
import { userKey } from "./search-index.js";
import { decodeSearchCursor, encodeSearchCursor } from "./search-cursor.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlSearchRepository(db: ChatDatabase): SearchRepository {
  return {
    searchChats: (userId, query, limit, cursor) =>
      withStorageErrors(async (): Promise<Page<SearchHit>> => {
        const before = cursor === null ? null : decodeSearchCursor(cursor, query.folded);
        const [rows] = (await db.execute(matchingIds(userId, query, before, limit + 1))) as unknown as [
          { id: number | string }[],
        ];
        const ids = rows.slice(0, limit).map((row) => Number(row.id));
        const items = await readHits(db, userId, ids);
        const last = ids.at(-1);
        const nextCursor =
          rows.length > limit && last !== undefined ? encodeSearchCursor(last, query.folded) : null;
        return { items, nextCursor };
      }),
  };
}

/**
 * Ids of the user's documents containing the query, newest first. With bigrams: a join of one posting
 * list per gram (each a primary-key range of this user's key; the optimizer starts from the rarest),
 * then the exact substring check on the folded body. A one-character query has no bigram: it walks the
 * user's documents newest first until the page is full.
 */
function matchingIds(userId: string, query: SearchQuery, before: number | null, limit: number): SQL {
  // INSTR on the utf8mb4_bin body: a literal, byte-exact substring test (no LIKE wildcards, no collation).
  const contains = sql`INSTR(d.body, CONVERT(${query.folded} USING utf8mb4) COLLATE utf8mb4_bin) > 0`;
  const [first, ...others] = query.grams;
  if (first === undefined) {
    const below = before === null ? sql`` : sql`AND d.id < ${before}`;
    return sql`SELECT d.id FROM search_documents d WHERE d.user_id = ${userId} ${below} AND ${contains} ORDER BY d.id DESC LIMIT ${limit}`;
  }
  // The grams are integers computed here (domain/search-text.ts), safe to inline; the rest is bound.
  const joins = others
    .map(
      (gram, i) =>
        `JOIN search_grams g${i + 1} ON g${i + 1}.user_key = g0.user_key AND g${i + 1}.gram = ${gram} AND g${i + 1}.document_id = g0.document_id`,
    )
    .join(" ");
  const below = before === null ? sql`` : sql`AND g0.document_id < ${before}`;
  return sql`SELECT g0.document_id AS id FROM search_grams g0 ${sql.raw(joins)}
    JOIN search_documents d ON d.id = g0.document_id
    WHERE g0.user_key = ${userKey(userId)} AND g0.gram = ${first} ${below}
      AND d.user_id = ${userId} AND ${contains}
    ORDER BY g0.document_id DESC LIMIT ${limit}`;
}

/** What the page shows for each document id, in the ids' order; scoped by user again. */
async function readHits(db: ChatDatabase, userId: string, ids: number[]): Promise<SearchHit[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: searchDocuments.id,
      chatId: searchDocuments.chatId,
      sourceId: searchDocuments.sourceId,
      role: searchDocuments.role,
      writtenAt: searchDocuments.writtenAt,
      chatTitle: chats.title,
      content: messages.content,
    })
    .from(searchDocuments)
    .innerJoin(chats, eq(chats.id, searchDocuments.chatId))
    .leftJoin(messages, eq(messages.id, searchDocuments.sourceId))
    .where(and(inArray(searchDocuments.id, ids), eq(searchDocuments.userId, userId)));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    const role = row.role as SearchHitRole;
    return [
      {
        chatId: row.chatId,
        chatTitle: row.chatTitle,
        messageId: role === "title" ? null : row.sourceId,
        role,
        text: role === "title" ? row.chatTitle : (row.content ?? ""),
        matchedAt: row.writtenAt,
      },
    ];
  });
}
