/** The ChatRepository port over MySQL/MariaDB, through Drizzle's query builders. */
import { and, desc, eq, getTableColumns, lt, or, sql, type SQL } from "drizzle-orm";
import type { Message } from "../../domain/chat.js";
import { invalidArgument } from "../../domain/errors.js";
import type {
  ChatRepository,
  Page,
  PathPage,
  ProgressSave,
} from "../../application/chats/chat-repository.js";
import type { UsageMeter } from "../../application/usage/usage-meter.js";
import {
  decodeChatCursor,
  decodeMessageCursor,
  decodePathCursor,
  encodeChatCursor,
  encodeMessageCursor,
  encodePathCursor,
} from "./cursors.js";
import { activeLeafOf, newestLeafUnder, newestMessageId, pathRows, siblingsOf } from "./message-tree.js";
import type { ChatDatabase } from "./database.js";
import { assertTitleFits, toChat, toMessage } from "./rows.js";
import { chats, messages, type MessageRow } from "./schema.js";
import { endExpiredLeases, renewLeases } from "./leases.js";
import { indexEndedTurns, indexTitle } from "./search-index.js";
import type { SearchIndexer } from "./search-indexer.js";
import { startTurn } from "./start-turn.js";
import { endReply } from "./end-reply.js";
import { ownedLiveReplies } from "./reply-fence.js";
import { withStorageErrors } from "./storage-errors.js";
import { settleSweptUsage } from "./swept-usage.js";

/**
 * A ChatRepository on the tables in `schema.ts`. Methods that start from a caller's ids filter on
 * `user_id` in the same statement, so another user's chat reads as missing and is never written.
 * Failures of the database become `storage.unavailable`; domain errors pass through. `meter` prices the
 * estimated usage of replies a sweeper ends (their owner died before it could). `searchIndexer` makes
 * ended turns searchable after their final write (search-indexer.ts; the caller starts and closes it);
 * without one, the marks a final write sets wait for any process's indexer to drain them.
 */
export function createMysqlChatRepository(
  db: ChatDatabase,
  meter: UsageMeter,
  searchIndexer?: Pick<SearchIndexer, "nudge">,
): ChatRepository {
  return {
    findChat: (userId, chatId) =>
      withStorageErrors(async () => {
        const [row] = await db.select().from(chats).where(ownedChat(userId, chatId)).limit(1);
        return row && toChat(row);
      }),

    listChats: (userId, limit, cursor) =>
      withStorageErrors(async () => {
        assertPageSize(limit);
        const after = cursor === null ? undefined : decodeChatCursor(cursor);
        const rows = await db
          .select(chatListColumns)
          .from(chats)
          .where(
            and(
              eq(chats.userId, userId),
              // Keyset on (updated_at, id), spelled out: the index serves it on MySQL and MariaDB alike.
              after &&
                or(
                  lt(chats.updatedAt, after.updatedAt),
                  and(eq(chats.updatedAt, after.updatedAt), lt(chats.id, after.id)),
                ),
            ),
          )
          .orderBy(desc(chats.updatedAt), desc(chats.id))
          .limit(limit + 1);
        const items = rows.slice(0, limit).map(toChat);
        const last = items.at(-1);
        return { items, nextCursor: rows.length > limit && last ? encodeChatCursor(last) : null };
      }),

    listMessages: (chatId, limit, cursor) =>
      withStorageErrors(async (): Promise<Page<Message>> => {
        assertPageSize(limit);
        const before = cursor === null ? undefined : decodeMessageCursor(cursor);
        const rows = await newestFirst(db, chatId, before, limit + 1);
        const items = rows.slice(0, limit).reverse().map(toMessage);
        const oldest = items[0];
        return { items, nextCursor: rows.length > limit && oldest ? encodeMessageCursor(oldest.seq) : null };
      }),

    listPath: (chatId, leafId, limit, cursor) =>
      withStorageErrors(async (): Promise<PathPage | undefined> => {
        assertPageSize(limit);
        const from = cursor === null ? null : decodePathCursor(cursor);
        const leaf = leafId ?? (await activeLeafOf(db, chatId));
        if (leaf === null) return { items: [], nextCursor: null, leafId: null };
        const rows = await pathRows(db, chatId, from ?? leaf, limit + 1);
        if (rows.length === 0 && from === null) return undefined;
        const page = rows.slice(0, limit).reverse();
        const siblings = await siblingsOf(db, chatId, page);
        const items = page.map((row) => ({ ...toMessage(row), siblings: siblings.get(row.id) ?? onlyChild }));
        const oldest = page[0];
        const more = rows.length > limit && oldest?.parentId;
        return { items, nextCursor: more ? encodePathCursor(more) : null, leafId: leaf };
      }),

    async *pathNewestFirst(chatId, fromId, pageSize) {
      assertPageSize(pageSize);
      let from: string | null = fromId;
      // One page per query, the next only when the consumer took the whole page (as messagesNewestFirst).
      while (from !== null) {
        const start: string = from;
        const rows: MessageRow[] = await withStorageErrors(() => pathRows(db, chatId, start, pageSize));
        for (const row of rows) yield toMessage(row);
        from = rows.length < pageSize ? null : (rows.at(-1)?.parentId ?? null);
      }
    },

    findMessage: (userId, chatId, messageId) =>
      withStorageErrors(async () => {
        const [row] = await db
          .select(getTableColumns(messages))
          .from(messages)
          .innerJoin(chats, eq(chats.id, messages.chatId))
          .where(and(eq(messages.id, messageId), eq(messages.chatId, chatId), eq(chats.userId, userId)))
          .limit(1);
        return row && toMessage(row);
      }),

    setActiveBranch: (userId, chatId, messageId) =>
      withStorageErrors(() =>
        db.transaction(async (tx) => {
          // Locked first, as a turn locks it: a turn committing meanwhile cannot make a stale "newest"
          // choice below point at the wrong branch. A locking read takes no snapshot; the plain reads
          // after it see every turn committed before the lock was granted.
          const [owned] = await tx
            .select({ id: chats.id })
            .from(chats)
            .where(ownedChat(userId, chatId))
            .for("update");
          if (!owned) return undefined;
          const leafId = await newestLeafUnder(tx, chatId, messageId);
          if (leafId === undefined) return undefined;
          const newest = await newestMessageId(tx, chatId);
          await tx
            .update(chats)
            .set({ activeLeafId: leafId === newest ? null : leafId })
            .where(eq(chats.id, chatId));
          return { leafId };
        }),
      ),

    renameChat: (userId, chatId, title, now) =>
      withStorageErrors(async () => {
        assertTitleFits(title);
        return db.transaction(async (tx) => {
          const [result] = await tx
            .update(chats)
            .set({ title, titleSource: "user", updatedAt: now })
            .where(ownedChat(userId, chatId));
          if (result.affectedRows === 0) return undefined;
          await indexTitle(tx, userId, chatId);
          const [row] = await tx.select().from(chats).where(ownedChat(userId, chatId)).limit(1);
          return row && toChat(row);
        });
      }),

    setChatModel: (userId, chatId, model, now) =>
      updateOwnedChat(db, userId, chatId, { model, updatedAt: now }),

    setChatInstructions: (userId, chatId, instructions, now) =>
      updateOwnedChat(db, userId, chatId, {
        instructions: instructions?.text ?? null,
        instructionsTokens: instructions?.tokens ?? null,
        updatedAt: now,
      }),

    deleteChat: (userId, chatId) =>
      withStorageErrors(async () => {
        // Messages go with it: ON DELETE CASCADE.
        const [result] = await db.delete(chats).where(ownedChat(userId, chatId));
        return result.affectedRows > 0;
      }),

    startTurn: (turn) => withStorageErrors(() => startTurn(db, turn)),

    async *messagesNewestFirst(chatId, beforeSeq, pageSize) {
      assertPageSize(pageSize);
      let before = beforeSeq;
      // One page per query, and the next query only when the consumer has taken the whole page: a caller
      // that stops early never reads the rest of a long chat.
      for (;;) {
        const rows = await withStorageErrors(() => newestFirst(db, chatId, before, pageSize));
        for (const row of rows) yield toMessage(row);
        const last = rows.at(-1);
        if (rows.length < pageSize || !last) return;
        before = last.seq;
      }
    },

    saveRepliesProgress: (owner, saves, now) =>
      withStorageErrors(async () => {
        if (saves.length === 0) return new Set<string>();
        const ids = saves.map((save) => save.replyId);
        // One UPDATE for the batch; mysql2 reports matched rows (CLIENT_FOUND_ROWS), so an unchanged
        // text still counts as saved.
        const byReply = <T>(values: (save: ProgressSave) => T | null, otherwise: SQL) => {
          const cases = saves.flatMap((save) => {
            const value = values(save);
            return value === null ? [] : [sql`when ${save.replyId} then ${value}`];
          });
          return cases.length === 0
            ? otherwise
            : sql`case ${messages.id} ${sql.join(cases, sql` `)} else ${otherwise} end`;
        };
        const [result] = await db
          .update(messages)
          .set({
            content: byReply((save) => save.content, sql`${messages.content}`),
            fittedPromptTokens: byReply((save) => save.promptTokens, sql`${messages.fittedPromptTokens}`),
            updatedAt: now,
          })
          .where(ownedLiveReplies(ids, owner));
        if (result.affectedRows === saves.length) return new Set(ids);
        // Some were no longer ours to save (rare: a lease ran out): which ones still are.
        const live = await db.select({ id: messages.id }).from(messages).where(ownedLiveReplies(ids, owner));
        return new Set(live.map((row) => row.id));
      }),

    finishReply: (replyId, outcome) =>
      withStorageErrors(async () => {
        const ended = await endReply(db, replyId, outcome);
        if (ended) searchIndexer?.nudge();
        return ended;
      }),

    findReply: (userId, replyId) =>
      findOneReply(
        db,
        and(eq(messages.id, replyId), eq(messages.role, "assistant"), eq(chats.userId, userId)),
      ),

    findLiveReply: (userId, chatId) =>
      findOneReply(
        db,
        and(eq(messages.chatId, chatId), eq(messages.status, "streaming"), eq(chats.userId, userId)),
      ),

    renewLeases: (owner, ids, expiresAt) =>
      withStorageErrors(() => renewLeases(db, messages, "streaming", owner, ids, expiresAt)),

    endExpiredLeases: (now) =>
      withStorageErrors(() =>
        endExpiredLeases(db, messages, "streaming", now, async (tx, ended) => {
          await settleSweptUsage(tx, ended, meter, now);
          await indexEndedTurns(
            tx,
            ended.map((row) => row.id),
          );
        }),
      ),
  };
}

/** The siblings of a message that has none (a stored row always finds itself; this is for safety). */
const onlyChild = { count: 1, index: 0, previousId: null, nextId: null };

/** A chat list's columns: all but the instructions' text (up to 16 KiB a chat), which GetChat reads. */
const { instructions: _, ...chatListColumns } = getTableColumns(chats);

/** The chat `chatId`, if it is `userId`'s. */
function ownedChat(userId: string, chatId: string) {
  return and(eq(chats.id, chatId), eq(chats.userId, userId));
}

/** Changes a chat of `userId`'s and returns it as changed; undefined when they have no such chat. */
function updateOwnedChat(
  db: ChatDatabase,
  userId: string,
  chatId: string,
  change: Partial<typeof chats.$inferInsert>,
) {
  return withStorageErrors(async () => {
    const [result] = await db.update(chats).set(change).where(ownedChat(userId, chatId));
    if (result.affectedRows === 0) return undefined;
    const [row] = await db.select().from(chats).where(ownedChat(userId, chatId)).limit(1);
    return row && toChat(row);
  });
}

/** The first reply matching `where` (over messages joined with their chat), with its user. */
function findOneReply(db: ChatDatabase, where: SQL | undefined) {
  return withStorageErrors(async () => {
    const [row] = await db
      .select({ ...getTableColumns(messages), userId: chats.userId })
      .from(messages)
      .innerJoin(chats, eq(chats.id, messages.chatId))
      .where(where)
      .limit(1);
    return row && { ...toMessage(row), userId: row.userId, owner: row.owner };
  });
}

/** Up to `limit` messages of a chat before `beforeSeq` (all, when undefined), newest first. */
function newestFirst(db: ChatDatabase, chatId: string, beforeSeq: number | undefined, limit: number) {
  return db
    .select()
    .from(messages)
    .where(
      and(eq(messages.chatId, chatId), beforeSeq === undefined ? undefined : lt(messages.seq, beforeSeq)),
    )
    .orderBy(desc(messages.seq))
    .limit(limit);
}

function assertPageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) throw invalidArgument(`a page size must be a positive integer`);
}
