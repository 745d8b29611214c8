/**
 * Fills the search index with what was stored before it existed (or while it was being built): chat
 * titles, then messages, oldest first, in bounded batches of one transaction each. Resumable by
 * construction: each batch takes sources that have no document yet (an anti-join), so a run that stops
 * half-way is simply run again. Live replies (`streaming`) are left to their final write.
 */
import { and, asc, eq, gt, isNull, ne, or } from "drizzle-orm";
import type { ChatDatabase } from "./database.js";
import { chats, messages, searchDocuments } from "./schema.js";
import { indexDocuments, type SearchDocument } from "./search-index.js";

export interface BackfillProgress {
  titles: number;
  messages: number;
}

export interface BackfillOptions {
  /** Sources per batch (one transaction each). */
  batchSize: number;
  /** Called after each batch with the totals so far. */
  onBatch?: (progress: BackfillProgress) => void;
}

export async function backfillSearchIndex(
  db: ChatDatabase,
  options: BackfillOptions,
): Promise<BackfillProgress> {
  const progress: BackfillProgress = { titles: 0, messages: 0 };
  const { batchSize } = options;
  for (let after = ""; ;) {
    const rows = await db
      .select({ id: chats.id, userId: chats.userId, title: chats.title, createdAt: chats.createdAt })
      .from(chats)
      .leftJoin(searchDocuments, eq(searchDocuments.sourceId, chats.id))
      .where(and(isNull(searchDocuments.id), gt(chats.id, after)))
      .orderBy(asc(chats.id))
      .limit(batchSize);
    const documents: SearchDocument[] = rows.map((row) => ({
      sourceId: row.id,
      userId: row.userId,
      chatId: row.id,
      role: "title",
      text: row.title,
      writtenAt: row.createdAt,
    }));
    await db.transaction((tx) => indexDocuments(tx, documents));
    progress.titles += rows.length;
    options.onBatch?.({ ...progress });
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) break;
    after = last.id;
  }
  // In the order they were written (a reply when it ended): the order live indexing gives them.
  for (let after: { at: Date; id: string } | null = null; ;) {
    const rows = await db
      .select({
        id: messages.id,
        chatId: messages.chatId,
        role: messages.role,
        content: messages.content,
        updatedAt: messages.updatedAt,
        userId: chats.userId,
      })
      .from(messages)
      .innerJoin(chats, eq(chats.id, messages.chatId))
      .leftJoin(searchDocuments, eq(searchDocuments.sourceId, messages.id))
      .where(
        and(
          isNull(searchDocuments.id),
          ne(messages.status, "streaming"),
          after
            ? or(
                gt(messages.updatedAt, after.at),
                and(eq(messages.updatedAt, after.at), gt(messages.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(messages.updatedAt), asc(messages.id))
      .limit(batchSize);
    const documents: SearchDocument[] = rows.map((row) => ({
      sourceId: row.id,
      userId: row.userId,
      chatId: row.chatId,
      role: row.role === "user" ? "user" : "assistant",
      text: row.content,
      writtenAt: row.updatedAt,
    }));
    await db.transaction((tx) => indexDocuments(tx, documents));
    progress.messages += rows.length;
    options.onBatch?.({ ...progress });
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) break;
    after = { at: last.updatedAt, id: last.id };
  }
  return progress;
}
