/**
 * The reads a turn is decided by, shared by the turn's transaction (start-turn.ts, under the chat's lock)
 * and the optimistic pre-read before it (read-turn.ts, no transaction, no lock): the very same statements,
 * so what the two read can be compared for the prompt (see application/chats/early-turn-call.ts).
 */
import { and, count, desc, eq, sql } from "drizzle-orm";
import type { Message, TitleSource } from "../../domain/chat.js";
import { messageNotFound } from "../../domain/errors.js";
import type { NewTurn, TurnChat } from "../../application/chats/chat-repository.js";
import type { ChatDatabase } from "./database.js";
import { toMessage } from "./rows.js";
import { chats, messages } from "./schema.js";
import { pathRows } from "./message-tree.js";

type Reader = Pick<ChatDatabase, "select" | "execute">;

/** A chat's newest rows, their runs, and the chat's settings (undefined: no such chat). */
export interface NewestRead {
  rows: Message[];
  /** The runs (`chain_id`) of the rows read, by message id. */
  chainOf: Map<string, string | null>;
  settings: TurnChatRow | undefined;
}

/**
 * The chat's newest `limit` messages, newest first, with the chat's settings on the newest row only.
 * Served by the (chat_id, seq) index: a long chat's history is never walked, and no extra round trip
 * for the settings (see turnChatColumns).
 */
export async function readNewest(db: Reader, chatId: string, limit: number): Promise<NewestRead> {
  const read = await db
    .select({ message: messages, chat: turnChatColumns })
    .from(messages)
    .leftJoin(chats, onNewestRow(chatId))
    .where(eq(messages.chatId, chatId))
    .orderBy(desc(messages.seq))
    .limit(limit);
  const chainOf = new Map<string, string | null>();
  for (const row of read) chainOf.set(row.message.id, row.message.chainId);
  // Drizzle reads a joined object whose columns are all null (default instructions, a title from
  // before sources were tracked) as null: that is the defaults, not a missing row.
  const settings = read.length > 0 ? (read[0]?.chat ?? undefined) : await chatWithoutMessages(db, chatId);
  return { rows: read.map((row) => toMessage(row.message)), chainOf, settings };
}

/** How many of the user's replies are `streaming` (any chat): the concurrency limit's count. */
export async function liveReplyCount(db: Pick<ChatDatabase, "select">, userId: string): Promise<number> {
  const [live] = await db
    .select({ n: count() })
    .from(messages)
    .innerJoin(chats, eq(chats.id, messages.chatId))
    .where(and(eq(messages.status, "streaming"), eq(chats.userId, userId)));
  return live?.n ?? 0;
}

/**
 * The path before the turn's user message, newest first, as far as the chat's newest rows (read anyway)
 * hold it: a chat that continues its newest branch finds all of it there, with no further statement.
 * A parent outside them (the user switched to an older branch, or edits far back) starts a page of the
 * path read by runs (pathRows: one index range while it stays in the parent's run); the rest, if the
 * window wants more, is read later, outside the transaction (see `historyFrom`).
 */
export async function pathFrom(
  db: Reader,
  chatId: string,
  parentId: string | null,
  newest: NewestRead,
  limit: number,
): Promise<{ history: Message[]; historyFrom: string | null; parentChain: string | null }> {
  if (parentId === null) return { history: [], historyFrom: null, parentChain: null };
  const byId = new Map(newest.rows.map((message) => [message.id, message]));
  if (!byId.has(parentId)) {
    const rows = await pathRows(db, chatId, parentId, limit);
    if (rows.length === 0) throw messageNotFound(parentId);
    const history = rows.map(toMessage);
    const historyFrom = rows.length < limit ? null : (history.at(-1)?.parentId ?? null);
    return { history, historyFrom, parentChain: rows[0]?.chainId ?? null };
  }
  const history: Message[] = [];
  let next: string | null = parentId;
  for (let message = byId.get(next); message && history.length < limit; message = byId.get(next ?? "")) {
    history.push(message);
    next = message.parentId;
  }
  return { history, historyFrom: next, parentChain: newest.chainOf.get(parentId) ?? null };
}

/** The chat's settings a turn reads. */
const turnChatColumns = {
  // First, and never null where the join matched: Drizzle reads a left-joined object as null when its
  // first column is (and the instructions are null for every chat on the default).
  id: chats.id,
  instructions: chats.instructions,
  instructionsTokens: chats.instructionsTokens,
  titleSource: chats.titleSource,
  model: chats.model,
  title: chats.title,
  createdAt: chats.createdAt,
  /** Not a setting: where a `continue` turn goes (see pathFrom). */
  activeLeafId: chats.activeLeafId,
  /** Not a setting: whose chat it is (the transaction's lock checks it; the pre-read has no lock). */
  userId: chats.userId,
};

export interface TurnChatRow {
  id: string;
  instructions: string | null;
  instructionsTokens: number | null;
  titleSource: string | null;
  model: string;
  title: string;
  createdAt: Date;
  activeLeafId: string | null;
  userId: string;
}

export function toTurnChat(row: TurnChatRow): TurnChat {
  const { id: _joined, activeLeafId: _leaf, userId: _user, ...chat } = row;
  return { ...chat, titleSource: chat.titleSource as TitleSource | null };
}

/**
 * Joins the chat to its newest message only (the newest `seq`: one probe of the (chat_id, seq) index),
 * so the instructions' text is read once, not once per history row.
 */
function onNewestRow(chatId: string) {
  return and(
    eq(chats.id, messages.chatId),
    eq(
      messages.seq,
      sql`(select max(newest.seq) from ${messages} as newest where newest.chat_id = ${chatId})`,
    ),
  );
}

/** A chat with no messages yet (not written by Parley itself): its settings in their own read. */
async function chatWithoutMessages(db: Pick<ChatDatabase, "select">, chatId: string) {
  const [row] = await db.select(turnChatColumns).from(chats).where(eq(chats.id, chatId)).limit(1);
  return row;
}

/** A new chat's settings, as the turn creates it. */
export function newChatSettings(newChat: NewTurn["newChat"], now: Date): TurnChat {
  return {
    instructions: newChat?.instructions ?? null,
    instructionsTokens: newChat?.instructionsTokens ?? null,
    titleSource: newChat?.titleSource ?? null,
    model: newChat?.model ?? "",
    title: newChat?.title ?? "",
    createdAt: now,
  };
}
