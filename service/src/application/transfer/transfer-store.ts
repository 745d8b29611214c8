/**
 * The port of export and import: pages of a user's chats and of a chat's messages for export, with
 * every stored field, and one all-or-nothing write of imported chats, made idempotent per source chat.
 */
import type { Chat, MessageStatus, Role } from "../../domain/chat.js";

/** Where a page of chats ended: the keyset of the user's chats, newest activity first. */
export interface ChatKey {
  updatedAt: Date;
  id: string;
}

/** Usage as stored with a reply: whose figure it is (`provider` or `estimate`) and its cost. */
export interface StoredUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  source: string | null;
}

/** A chat as an export reads it: with the leaf of the path it shows. */
export interface ExportedChat extends Chat {
  /** The active leaf the user chose; null: the chat's newest message (see schema.ts `active_leaf_id`). */
  activeLeafId: string | null;
}

/** A message with everything that is stored about it. */
export interface StoredMessage {
  id: string;
  seq: number;
  /** The message it follows in the chat's tree (null: a first message); always of a lower `seq`. */
  parentId: string | null;
  role: Role;
  content: string;
  tokenCount: number;
  status: MessageStatus;
  finishReason: string | null;
  error: string | null;
  usage: StoredUsage | null;
  costMicros: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Where imported chats come from; with the source's chat id, what makes a repeated import a no-op. */
export type ImportSource = "parley" | "chatgpt";

/** A message to write, its ids minted and its tokens counted. */
export interface NewMessage {
  id: string;
  /** Its parent's (new) id, a message before it in its chat's list; null: a first message. */
  parentId: string | null;
  /** Its position on its path, from 1 (the parent's depth + 1). */
  depth: number;
  role: "user" | "assistant";
  content: string;
  tokenCount: number;
  status: Exclude<MessageStatus, "streaming">;
  finishReason: string | null;
  error: string | null;
  usage: StoredUsage | null;
  costMicros: number | null;
  createdAt: Date;
}

/**
 * A chat to write. Its messages are in the order they are numbered (seq 1, 2, ...): every parent comes
 * before its children, so `seq` grows along every path as the tree requires.
 */
export interface NewChat {
  id: string;
  sourceChatId: string;
  title: string;
  model: string;
  createdAt: Date;
  updatedAt: Date;
  messages: NewMessage[];
  /** The leaf of the path the chat shows (one of `messages`); null: the last message (the newest). */
  activeLeafId: string | null;
}

/** What the store did with one chat: written now, or found imported before (then its chat id). */
export type StoredImport =
  { outcome: "imported"; chatId: string } | { outcome: "already_imported"; chatId: string };

export interface TransferStore {
  /** The user's chats after `after` (newest activity first), at most `limit`. */
  chatsPage(userId: string, after: ChatKey | null, limit: number): Promise<ExportedChat[]>;
  /** The user's chat, or undefined when it is missing or another user's. */
  findChat(userId: string, chatId: string): Promise<ExportedChat | undefined>;
  /** A chat's messages (every branch) with seq above `afterSeq`, in order, at most `limit`. */
  messagesPage(chatId: string, afterSeq: number, limit: number): Promise<StoredMessage[]>;
  /**
   * The ids of the path the chat shows, from its root to `leafId` (null: the chat's newest message),
   * oldest first: ids only, so a long path is a few dozen bytes a message.
   */
  pathIds(chatId: string, leafId: string | null): Promise<string[]>;
  /** These messages of the chat (at most a page of ids), by seq. */
  messagesByIds(chatId: string, ids: readonly string[]): Promise<StoredMessage[]>;
  /**
   * Writes the chats not imported before from `source` for this user, all in one transaction, and
   * records each under (user, source, source chat id). Chats imported before are left alone and
   * reported with their existing chat id. Nothing is written if anything fails.
   */
  importChats(
    userId: string,
    source: ImportSource,
    chats: readonly NewChat[],
    now: Date,
  ): Promise<StoredImport[]>;
}
