/**
 * The write side of search: documents and their bigrams (see schema.ts and docs/search.md), written in
 * the caller's transaction — the search indexer's batch for replies that ended (search-indexer.ts), the
 * sweep that ends a dead owner's reply, a rename — so a text and its grams commit together.
 */
import { createHash } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/mysql-core";
import { foldForSearch, searchGrams } from "../../domain/search-text.js";
import type { ChatDatabase } from "./database.js";
import type { SweepTransaction } from "./leases.js";
import { chats, messages, searchDocuments } from "./schema.js";

/** The database or one of its transactions: indexing runs in the caller's. */
export type IndexWriter = ChatDatabase | SweepTransaction;

/** One searchable text. */
export interface SearchDocument {
  /** The message's id, or the chat's id for its title. */
  sourceId: string;
  userId: string;
  chatId: string;
  role: "title" | "user" | "assistant";
  text: string;
  writtenAt: Date;
}

/** The 32-bit key a user's grams are filed under (a collision only costs another user's candidates). */
export function userKey(userId: string): number {
  return createHash("sha256").update(userId).digest().readUInt32BE(0);
}

/** How many gram rows one INSERT carries. */
const gramRowsPerInsert = 4_000;

/**
 * Indexes `documents`, replacing any earlier document of the same source (a document's grams go with
 * it: ON DELETE CASCADE). Idempotent: indexing a source twice leaves one document.
 */
export async function indexDocuments(db: IndexWriter, documents: readonly SearchDocument[]): Promise<void> {
  // A text with nothing to find (an empty reply) still gets its document, without grams: it is indexed.
  const folded = documents.map((document) => ({ ...document, body: foldForSearch(document.text) }));
  if (folded.length === 0) return;
  // A plain read first, then a delete by primary key of what exists: a DELETE on the unique key of texts
  // not indexed yet (the usual case) would lock the index's last gap, which every new text shares
  // (time-ordered ids), and make concurrent indexing transactions wait on or deadlock with each other.
  const earlier = await db
    .select({ id: searchDocuments.id })
    .from(searchDocuments)
    .where(
      inArray(
        searchDocuments.sourceId,
        folded.map((document) => document.sourceId),
      ),
    );
  if (earlier.length > 0) {
    await db.delete(searchDocuments).where(
      inArray(
        searchDocuments.id,
        earlier.map((row) => row.id),
      ),
    );
  }
  // A concurrent writer (the backfill, another sweep) may index the same source between the read above
  // and here: its document is taken over and the grams below are ignored when already there, so the
  // write this runs in (an indexer batch, a sweep) never fails on the index.
  await db
    .insert(searchDocuments)
    .values(
      folded.map(({ sourceId, userId, chatId, role, body, writtenAt }) => ({
        sourceId,
        userId,
        chatId,
        role,
        body,
        writtenAt,
      })),
    )
    .onDuplicateKeyUpdate({ set: { body: sql`values(${searchDocuments.body})` } });
  // Read back rather than trust consecutive auto-increment ids (not promised by every lock mode).
  const ids = await db
    .select({ id: searchDocuments.id, sourceId: searchDocuments.sourceId })
    .from(searchDocuments)
    .where(
      inArray(
        searchDocuments.sourceId,
        folded.map((document) => document.sourceId),
      ),
    );
  const idOf = new Map(ids.map((row) => [row.sourceId, row.id]));
  const rows: string[] = [];
  for (const document of folded) {
    const id = idOf.get(document.sourceId);
    if (id === undefined) continue;
    const key = userKey(document.userId);
    for (const gram of searchGrams(document.body)) rows.push(`(${key},${gram},${id})`);
  }
  for (let i = 0; i < rows.length; i += gramRowsPerInsert) {
    // Only integers computed here are inlined: nothing from a caller reaches this text.
    const values = rows.slice(i, i + gramRowsPerInsert).join(",");
    await db.execute(
      sql.raw(`INSERT IGNORE INTO search_grams (user_key, gram, document_id) VALUES ${values}`),
    );
  }
}

const userMessages = alias(messages, "user_messages");

/**
 * Indexes the turns of replies that just ended: each reply's text (when it has any), the user message
 * it answers, and on a chat's first turn its title. Runs in the caller's transaction: the indexer's
 * batch, or the sweep that ended them.
 */
export async function indexEndedTurns(db: IndexWriter, replyIds: readonly string[]): Promise<void> {
  if (replyIds.length === 0) return;
  const rows = await db
    .select({
      replyId: messages.id,
      replySeq: messages.seq,
      replyContent: messages.content,
      replyAt: messages.updatedAt,
      chatId: messages.chatId,
      userId: chats.userId,
      title: chats.title,
      chatCreatedAt: chats.createdAt,
      userMessageId: userMessages.id,
      userContent: userMessages.content,
      userAt: userMessages.createdAt,
    })
    .from(messages)
    .innerJoin(chats, eq(chats.id, messages.chatId))
    .leftJoin(
      userMessages,
      and(eq(userMessages.chatId, messages.chatId), eq(userMessages.seq, sql`${messages.seq} - 1`)),
    )
    .where(and(inArray(messages.id, [...replyIds]), eq(messages.role, "assistant")));
  const documents: SearchDocument[] = [];
  for (const row of rows) {
    const common = { userId: row.userId, chatId: row.chatId };
    // In the order they were written: ids order the results.
    if (row.replySeq === 2) {
      documents.push({
        ...common,
        sourceId: row.chatId,
        role: "title",
        text: row.title,
        writtenAt: row.chatCreatedAt,
      });
    }
    if (row.userMessageId !== null && row.userContent !== null && row.userAt !== null) {
      documents.push({
        ...common,
        sourceId: row.userMessageId,
        role: "user",
        text: row.userContent,
        writtenAt: row.userAt,
      });
    }
    documents.push({
      ...common,
      sourceId: row.replyId,
      role: "assistant",
      text: row.replyContent,
      writtenAt: row.replyAt,
    });
  }
  await indexDocuments(db, documents);
}

/** Indexes a chat's current title (after a rename), when the chat is the user's. */
export async function indexTitle(db: IndexWriter, userId: string, chatId: string): Promise<void> {
  const [chat] = await db
    .select({ title: chats.title, updatedAt: chats.updatedAt })
    .from(chats)
    .where(and(eq(chats.id, chatId), eq(chats.userId, userId)));
  if (!chat) return;
  await indexDocuments(db, [
    { sourceId: chatId, userId, chatId, role: "title", text: chat.title, writtenAt: chat.updatedAt },
  ]);
}
