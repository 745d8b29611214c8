/**
 * The TransferStore port over MySQL/MariaDB: pages for export by keyset (the chats' activity index and
 * the messages' (chat_id, seq) key), and imports written in one transaction with their `chat_imports`
 * records. Every chat read is scoped by `user_id` in the same statement; messages are read through a
 * chat found that way.
 */
import { and, asc, desc, eq, gt, inArray, lt, or } from "drizzle-orm";
import type {
  ChatKey,
  ExportedChat,
  ImportSource,
  NewChat,
  StoredImport,
  StoredMessage,
  TransferStore,
} from "../../application/transfer/transfer-store.js";
import type { MessageStatus, Role } from "../../domain/chat.js";
import type { ChatDatabase } from "./database.js";
import { isDuplicateKey } from "./duplicate-key.js";
import { chainIdsOf, newestMessageId, pathRows } from "./message-tree.js";
import { toChat } from "./rows.js";
import { chatImports, chats, messages, type ChatRow, type MessageRow } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

/** Rows per INSERT, and the most text per INSERT (well under max_allowed_packet's 16 MiB default). */
const batchRows = 200;
const batchBytes = 1024 * 1024;
/** Source ids looked up per query. */
const lookupBatch = 500;
/** Messages a path read walks per statement. */
const pathPage = 500;

export function createMysqlTransferStore(db: ChatDatabase): TransferStore {
  return {
    chatsPage: (userId, after, limit) =>
      withStorageErrors(async () => {
        const rows = await db
          .select()
          .from(chats)
          .where(and(eq(chats.userId, userId), after ? olderThan(after) : undefined))
          .orderBy(desc(chats.updatedAt), desc(chats.id))
          .limit(limit);
        return rows.map(toExportedChat);
      }),

    findChat: (userId, chatId) =>
      withStorageErrors(async () => {
        const [row] = await db
          .select()
          .from(chats)
          .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
          .limit(1);
        return row && toExportedChat(row);
      }),

    messagesPage: (chatId, afterSeq, limit) =>
      withStorageErrors(async () => {
        const rows = await db
          .select()
          .from(messages)
          .where(and(eq(messages.chatId, chatId), gt(messages.seq, afterSeq)))
          .orderBy(asc(messages.seq))
          .limit(limit);
        return rows.map(toStoredMessage);
      }),

    pathIds: (chatId, leafId) =>
      withStorageErrors(async () => {
        const ids: string[] = [];
        for (let from = leafId ?? (await newestMessageId(db, chatId)); from !== null;) {
          // Newest first, one bounded walk up per page; the page's oldest names where the next starts.
          const rows = await pathRows(db, chatId, from, pathPage);
          for (const row of rows) ids.push(row.id);
          from = rows.length < pathPage ? null : (rows.at(-1)?.parentId ?? null);
        }
        return ids.reverse();
      }),

    messagesByIds: (chatId, ids) =>
      withStorageErrors(async () => {
        if (ids.length === 0) return [];
        const rows = await db
          .select()
          .from(messages)
          .where(and(eq(messages.chatId, chatId), inArray(messages.id, [...ids])))
          .orderBy(asc(messages.seq));
        return rows.map(toStoredMessage);
      }),

    importChats: (userId, source, list, now) =>
      withStorageErrors(async () => {
        try {
          return await importOnce(db, userId, source, list, now);
        } catch (error) {
          // The same file imported at the same moment: the other import's records won. Once more, it
          // finds them and writes only what is still missing.
          if (!isDuplicateKey(error)) throw error;
          return await importOnce(db, userId, source, list, now);
        }
      }),
  };
}

/** The keyset condition: chats after `key` in (updated_at desc, id desc) order. */
function olderThan(key: ChatKey) {
  return or(
    lt(chats.updatedAt, key.updatedAt),
    and(eq(chats.updatedAt, key.updatedAt), lt(chats.id, key.id)),
  );
}

function importOnce(
  db: ChatDatabase,
  userId: string,
  source: ImportSource,
  list: readonly NewChat[],
  now: Date,
): Promise<StoredImport[]> {
  return db.transaction(async (tx) => {
    const existing = new Map<string, string>();
    for (let start = 0; start < list.length; start += lookupBatch) {
      const ids = list.slice(start, start + lookupBatch).map((chat) => chat.sourceChatId);
      const rows = await tx
        .select({ sourceChatId: chatImports.sourceChatId, chatId: chatImports.chatId })
        .from(chatImports)
        .where(
          and(
            eq(chatImports.userId, userId),
            eq(chatImports.source, source),
            inArray(chatImports.sourceChatId, ids),
          ),
        );
      for (const row of rows) existing.set(row.sourceChatId, row.chatId);
    }
    const fresh = list.filter((chat) => !existing.has(chat.sourceChatId));
    for (const batch of batches(fresh, () => 1)) {
      await tx.insert(chats).values(
        batch.map((chat) => ({
          id: chat.id,
          userId,
          title: chat.title,
          model: chat.model,
          activeLeafId: chat.activeLeafId,
          createdAt: chat.createdAt,
          updatedAt: chat.updatedAt,
        })),
      );
      await tx.insert(chatImports).values(
        batch.map((chat) => ({
          userId,
          source,
          sourceChatId: chat.sourceChatId,
          chatId: chat.id,
          createdAt: now,
        })),
      );
    }
    const rows = fresh.flatMap((chat) => {
      const chains = chainIdsOf(chat.messages);
      return chat.messages.map((message, index) => ({
        ...messageRow(chat.id, index + 1, message),
        chainId: chains[index] ?? null,
      }));
    });
    for (const batch of batches(rows, (row) => row.content.length)) await tx.insert(messages).values(batch);
    return list.map((chat): StoredImport => {
      const before = existing.get(chat.sourceChatId);
      return before
        ? { outcome: "already_imported", chatId: before }
        : { outcome: "imported", chatId: chat.id };
    });
  });
}

function messageRow(chatId: string, seq: number, message: NewChat["messages"][number]) {
  const row: typeof messages.$inferInsert = {
    id: message.id,
    chatId,
    seq,
    parentId: message.parentId,
    depth: message.depth,
    role: message.role,
    content: message.content,
    tokenCount: message.tokenCount,
    status: message.status,
    finishReason: message.finishReason,
    promptTokens: message.usage?.promptTokens ?? null,
    completionTokens: message.usage?.completionTokens ?? null,
    totalTokens: message.usage?.totalTokens ?? null,
    usageSource: message.usage ? (message.usage.source ?? "provider") : null,
    costMicros: message.costMicros,
    error: message.error,
    createdAt: message.createdAt,
    updatedAt: message.createdAt,
  };
  return row;
}

function toExportedChat(row: ChatRow): ExportedChat {
  return { ...toChat(row), activeLeafId: row.activeLeafId };
}

/** Splits rows into INSERTs of at most batchRows rows and about batchBytes of text. */
function* batches<T>(rows: readonly T[], size: (row: T) => number): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const rowBytes = size(row) * 3;
    if (batch.length > 0 && (batch.length >= batchRows || bytes + rowBytes > batchBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += rowBytes;
  }
  if (batch.length > 0) yield batch;
}

function toStoredMessage(row: MessageRow): StoredMessage {
  const { promptTokens, completionTokens, totalTokens } = row;
  const usage =
    promptTokens === null || completionTokens === null || totalTokens === null
      ? null
      : { promptTokens, completionTokens, totalTokens, source: row.usageSource };
  return {
    id: row.id,
    seq: row.seq,
    parentId: row.parentId,
    role: row.role as Role,
    content: row.content,
    tokenCount: row.tokenCount,
    status: row.status as MessageStatus,
    finishReason: row.finishReason,
    error: row.error,
    usage,
    costMicros: row.costMicros,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
