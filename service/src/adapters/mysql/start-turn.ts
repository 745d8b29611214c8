/** The one write that begins a turn: the user's message and an empty reply, appended atomically. */
import { and, count, desc, eq, isNull, sql, type SQLWrapper } from "drizzle-orm";
import type { Message } from "../../domain/chat.js";
import { chatNotFound, messageNotFound, replyInProgress, tooManyVersions } from "../../domain/errors.js";
import { maxVersionsPerMessage } from "../../domain/message-tree.js";
import { concurrencyRefusal } from "../../domain/limits.js";
import type { TitleSource } from "../../domain/chat.js";
import type { NewTurn, StartedTurn, TurnChat } from "../../application/chats/chat-repository.js";
import type { ChatDatabase } from "./database.js";
import { assertTitleFits, toMessage } from "./rows.js";
import { chats, messages, sendRequests, userLimits } from "./schema.js";
import { DuplicateSendRequest, type TurnRequest } from "../../application/chats/send-requests.js";
import { isDuplicateKey } from "./duplicate-key.js";
import { pathRows } from "./message-tree.js";
import {
  assignments,
  buildOnce,
  inTransaction,
  insertOnce,
  readOnce,
  type EveryColumnListed,
} from "./statements.js";

/**
 * Appends the user's message and a `streaming` reply in one transaction, creating the chat first when
 * asked, and reads back the newest history for the prompt. The chat row is locked before anything is
 * read — by the UPDATE that records the chat's new activity time, or by the INSERT of a new chat — so two
 * sends to one chat, from any replica, run one after the other: the second sees the first's streaming
 * reply and gets `reply.in_progress`. A chat that is missing or belongs to someone else matches no row:
 * `chat.not_found`.
 *
 * One read serves three purposes: the newest `historyLimit` messages hold the prompt's history (the path
 * the turn continues, followed by parent links within them: all of it for a chat on its newest branch;
 * see pathFrom), the newest one's `seq` numbers the turn, and its status says whether the chat is still
 * answering — a `streaming` reply is always a chat's newest message, because no turn can be appended
 * while one exists.
 * It is a plain read on purpose: InnoDB takes a transaction's snapshot at its first plain read, which
 * here comes after the lock was granted, so it sees everything the previous holder committed. Locking
 * reads there would take gap locks, and new chats (time-ordered ids) share the index's last gap:
 * concurrent first messages deadlocked (measured: 18 of 20). A new chat has nothing to read.
 *
 * The same read brings the chat's settings (its instructions, their stored token count, the title's
 * source, its model) on the newest row only, so the send needs no extra round trip for them; `admit` then checks
 * the message fits beside them before anything is written, and `countFor` counts the message in the
 * encoding of the chat's model (which `chatModel`, when given, changes in the same UPDATE).
 *
 * The turn's reply becomes the chat's active leaf: `active_leaf_id` null stands for the newest message,
 * so only a chat that had switched to an older branch needs one more statement to reset it.
 *
 * Five statements for an existing chat (BEGIN, lock, read, INSERT, COMMIT), four for a new one: this
 * transaction sits between a person's message and the model call, so every round trip is time to first
 * token (see docs/benchmarks.md). `onChecked` lets the model call start before the last two: once every
 * check that can refuse the turn has passed, the INSERT and the COMMIT only fail when something breaks.
 *
 * With a concurrency limit (`maxLiveReplies` > 0) two statements come first and one after the lock:
 * the user's `user_limits` row is locked (inserted when missing: `INSERT ... ON DUPLICATE KEY UPDATE`
 * takes an exclusive lock either way, where `INSERT IGNORE` + `SELECT ... FOR UPDATE` deadlocks two
 * senders that both hold the shared lock of the duplicate), so one user's turns start one at a time on
 * every replica; then the user's `streaming` replies are counted. The count is exact because every
 * reply of the user is started under that lock, and a reply only leaves `streaming`, never enters it,
 * outside it. It is cheap: it walks the `(status, lease)` index over live replies only (a few hundred
 * at most across the service), joined to their chats by primary key — no per-user counter to keep
 * right in finishReply, the sweeper and every crash in between.
 */
export async function startTurn(db: ChatDatabase, turn: NewTurn): Promise<StartedTurn> {
  const { userId, chatId, newChat, now } = turn;
  if (newChat) assertTitleFits(newChat.title);
  return inTransaction(db, async (tx, connection) => {
    if (turn.request) await storeRequest(tx, turn, turn.request);
    if (turn.maxLiveReplies > 0) {
      await tx
        .insert(userLimits)
        .values({ userId, updatedAt: now })
        .onDuplicateKeyUpdate({ set: { userId: sql`${userLimits.userId}` } });
    }
    let newestRows: Message[] = [];
    /** The runs (`chain_id`) of the rows read, by message id. */
    const chainOf = new Map<string, string | null>();
    let activeLeafId: string | null = null;
    let chat: TurnChat = newChatSettings(newChat, now);
    if (newChat) {
      turn.admit?.(chat);
      await insertChat.run(connection, [{ id: chatId, userId, ...newChat, createdAt: now, updatedAt: now }]);
    } else {
      // mysql2 reports matched rows (CLIENT_FOUND_ROWS), so an unchanged timestamp still counts as found.
      const touched = await (turn.chatModel
        ? lockChatSettingModel.run(connection, { updatedAt: now, model: turn.chatModel, chatId, userId })
        : lockChat.run(connection, { updatedAt: now, chatId, userId }));
      if (touched.affectedRows === 0) throw chatNotFound(chatId);
      // Served by the (chat_id, seq) index: a long chat's history is never walked. The chat's settings
      // come with the newest row (see turnChatColumns): no extra round trip.
      const rows = await historyRead.run(connection, { chatId, limit: turn.historyLimit });
      newestRows = rows.map((row) => toMessage(row.message));
      for (const row of rows) chainOf.set(row.message.id, row.message.chainId);
      // A joined object whose columns are all null (default instructions, a title from before sources
      // were tracked) reads as null: that is the defaults, not a missing row.
      const settings = rows.length > 0 ? rows[0]?.chat : await chatWithoutMessages(tx, chatId);
      if (settings) {
        chat = toTurnChat(settings);
        activeLeafId = settings.activeLeafId;
      }
    }
    const newest = newestRows[0];
    if (newest?.status === "streaming") throw replyInProgress(chatId, newest.id);
    if (turn.maxLiveReplies > 0) {
      // A plain read after both locks: the snapshot sees every turn the user started before.
      const [live] = await tx
        .select({ n: count() })
        .from(messages)
        .innerJoin(chats, eq(chats.id, messages.chatId))
        .where(and(eq(messages.status, "streaming"), eq(chats.userId, userId)));
      if ((live?.n ?? 0) >= turn.maxLiveReplies) throw concurrencyRefusal(turn.maxLiveReplies, now);
    }
    if (!newChat) turn.admit?.(chat);
    const counted = turn.countFor?.(chat) ?? {
      tokenCount: turn.userMessage.tokenCount,
      tokenEncoding: turn.tokenEncoding,
    };
    const seq = (newest?.seq ?? 0) + 1;
    const place = turn.place ?? { kind: "continue" };
    // The message the turn's user message follows (for an answer: the one its stored user message does).
    const promptParentId =
      place.kind === "continue"
        ? (activeLeafId ?? newest?.id ?? null)
        : place.kind === "branch"
          ? place.parentId
          : place.userMessage.parentId;
    const path = await pathFrom(tx, chatId, promptParentId, newestRows, chainOf, turn.historyLimit);
    // A new version beside others: bounded (see maxVersionsPerMessage), counted under the chat's lock.
    if (place.kind === "branch") await assertRoomForVersion(tx, chatId, place.parentId);
    if (place.kind === "answer") await assertRoomForVersion(tx, chatId, place.userMessage.id);
    turn.onChecked?.({ chat, history: path.history, historyFrom: path.historyFrom });
    const parentDepth = path.history[0]?.depth ?? 0;

    const common = {
      chatId,
      finishReason: null,
      usage: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    const userMessage: Message =
      place.kind === "answer"
        ? place.userMessage
        : {
            ...common,
            id: turn.userMessage.id,
            seq,
            parentId: promptParentId,
            depth: parentDepth + 1,
            role: "user",
            content: turn.userMessage.content,
            tokenCount: counted.tokenCount,
            tokenEncoding: counted.tokenEncoding ?? null,
            status: "complete",
          };
    const reply: Message = {
      ...common,
      id: turn.replyId,
      seq: place.kind === "answer" ? seq : seq + 1,
      parentId: userMessage.id,
      depth: userMessage.depth + 1,
      role: "assistant",
      content: "",
      tokenCount: 0,
      tokenEncoding: counted.tokenEncoding ?? null,
      status: "streaming",
    };
    // A parent's first child continues its run; a new version beside others starts its own (schema.ts).
    const userChain = place.kind === "branch" ? userMessage.id : path.parentChain;
    const replyChain = place.kind === "answer" ? reply.id : userChain;
    const { usage: _, ...userMessageColumns } = userMessage;
    const userColumns = { ...userMessageColumns, chainId: userChain };
    const { usage: __, ...replyColumns } = reply;
    const lease = { owner: turn.lease.owner, leaseExpiresAt: turn.lease.expiresAt };
    const replyRow = { ...replyColumns, ...lease, chainId: replyChain };
    // Compiles only while the rows carry no column the built INSERT would leave out.
    const everyColumnWritten: EveryColumnListed<
      keyof typeof userColumns | keyof typeof replyRow,
      (typeof turnMessageColumns)[number]
    > = true;
    void everyColumnWritten;
    await (place.kind === "answer"
      ? insertReply.run(connection, [replyRow])
      : insertTurnMessages.run(connection, [userColumns, replyRow]));
    // The new reply is the chat's newest message, which a null choice stands for: a chat on its newest
    // branch (every chat that never switched) pays no extra statement.
    if (activeLeafId !== null) await tx.update(chats).set({ activeLeafId: null }).where(eq(chats.id, chatId));
    return { chat, userMessage, reply, history: path.history, historyFrom: path.historyFrom };
  });
}

/**
 * The chat's lock (see startTurn): its activity time, and its model when the turn changes it. Built once
 * (statements.ts), as every statement on the path to the first token.
 */
const lockChatSetting = (columns: readonly ("updatedAt" | "model")[]) =>
  buildOnce<{ updatedAt: Date; model?: string; chatId: string; userId: string }>(
    sql`update ${chats} set ${assignments(chats, columns)} where ${and(
      eq(chats.id, sql.placeholder("chatId")),
      eq(chats.userId, sql.placeholder("userId")),
    )}`,
  );
const lockChat = lockChatSetting(["updatedAt"]);
const lockChatSettingModel = lockChatSetting(["updatedAt", "model"]);

/** The columns a turn writes on a new chat; the others keep their defaults. Built once (statements.ts). */
const insertChat = insertOnce(
  chats,
  [
    "id",
    "userId",
    "title",
    "model",
    "instructions",
    "instructionsTokens",
    "titleSource",
    "createdAt",
    "updatedAt",
  ],
  1,
);

/** The columns a turn writes on its messages (a user message's lease is none); the others keep their defaults. */
const turnMessageColumns = [
  "id",
  "chatId",
  "seq",
  "parentId",
  "depth",
  "chainId",
  "role",
  "content",
  "tokenCount",
  "tokenEncoding",
  "status",
  "finishReason",
  "error",
  "owner",
  "leaseExpiresAt",
  "createdAt",
  "updatedAt",
] as const;
/** A turn's user message and reply; an answer to a stored message writes the reply alone. */
const insertTurnMessages = insertOnce(messages, turnMessageColumns, 2);
const insertReply = insertOnce(messages, turnMessageColumns, 1);

/**
 * Stores the client's request id first, before the chat is locked: a concurrent attempt with the same id
 * waits on this key, not on the chat, and meets the duplicate once this turn commits (nothing else of
 * its turn is written: the error rolls its transaction back). When this turn fails, the key goes too.
 */
async function storeRequest(tx: Pick<ChatDatabase, "insert">, turn: NewTurn, request: TurnRequest) {
  try {
    await tx.insert(sendRequests).values({
      userId: turn.userId,
      requestId: request.id,
      bodyHash: request.bodyHash,
      chatId: turn.chatId,
      userMessageId: turn.userMessage.id,
      replyId: turn.replyId,
      createdAt: turn.now,
    });
  } catch (error) {
    if (isDuplicateKey(error)) throw new DuplicateSendRequest(request.id, error);
    throw error;
  }
}

/**
 * The path before the turn's user message, newest first, as far as the chat's newest rows (read anyway)
 * hold it: a chat that continues its newest branch finds all of it there, with no further statement.
 * A parent outside them (the user switched to an older branch, or edits far back) starts a page of the
 * path read by runs (pathRows: one index range while it stays in the parent's run); the rest, if the
 * window wants more, is read later, outside the transaction (see `historyFrom`).
 */
async function pathFrom(
  tx: Pick<ChatDatabase, "select" | "execute">,
  chatId: string,
  parentId: string | null,
  newestRows: Message[],
  chainOf: ReadonlyMap<string, string | null>,
  limit: number,
): Promise<{ history: Message[]; historyFrom: string | null; parentChain: string | null }> {
  if (parentId === null) return { history: [], historyFrom: null, parentChain: null };
  const byId = new Map(newestRows.map((message) => [message.id, message]));
  if (!byId.has(parentId)) {
    const rows = await pathRows(tx, chatId, parentId, limit);
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
  return { history, historyFrom: next, parentChain: chainOf.get(parentId) ?? null };
}

/** Refuses a new child of `parentId` (null: a new first message) when it has the most versions already. */
async function assertRoomForVersion(
  tx: Pick<ChatDatabase, "select">,
  chatId: string,
  parentId: string | null,
) {
  const children = tx
    .select({ one: sql`1` })
    .from(messages)
    .where(
      and(
        eq(messages.chatId, chatId),
        parentId === null ? isNull(messages.parentId) : eq(messages.parentId, parentId),
      ),
    )
    .limit(maxVersionsPerMessage)
    .as("children");
  const [counted] = await tx.select({ n: count() }).from(children);
  if ((counted?.n ?? 0) >= maxVersionsPerMessage) throw tooManyVersions(parentId, maxVersionsPerMessage);
}

/** The chat's settings a turn reads. */
const turnChatColumns = {
  // Never null where the join matched: a left-joined object reads as null when its columns all are
  // (Drizzle's builders: when its first one is), and the instructions are null for every chat on the default.
  id: chats.id,
  instructions: chats.instructions,
  instructionsTokens: chats.instructionsTokens,
  titleSource: chats.titleSource,
  model: chats.model,
  title: chats.title,
  createdAt: chats.createdAt,
  /** Not a setting: where a `continue` turn goes (see pathFrom). */
  activeLeafId: chats.activeLeafId,
};

function toTurnChat(row: {
  id: string;
  instructions: string | null;
  instructionsTokens: number | null;
  titleSource: string | null;
  model: string;
  title: string;
  createdAt: Date;
  activeLeafId: string | null;
}): TurnChat {
  const { id: _joined, activeLeafId: _leaf, ...chat } = row;
  return { ...chat, titleSource: chat.titleSource as TitleSource | null };
}

/**
 * The newest messages of a chat with its settings on the newest row (see startTurn), built once and its
 * rows decoded by their columns (statements.ts): building this query's SQL every turn cost ~200 µs of
 * CPU on the path to the first token, and Drizzle's mapping of its 50 rows ~300 µs more.
 */
const historyRead = readOnce((select) =>
  select({ message: messages, chat: turnChatColumns })
    .from(messages)
    .leftJoin(chats, onNewestRow(sql.placeholder("chatId")))
    .where(eq(messages.chatId, sql.placeholder("chatId")))
    .orderBy(desc(messages.seq))
    .limit(sql.placeholder("limit")),
);

/**
 * Joins the chat to its newest message only (the newest `seq`: one probe of the (chat_id, seq) index),
 * so the instructions' text is read once, not once per history row.
 */
function onNewestRow(chatId: SQLWrapper) {
  return and(
    eq(chats.id, messages.chatId),
    eq(
      messages.seq,
      sql`(select max(newest.seq) from ${messages} as newest where newest.chat_id = ${chatId})`,
    ),
  );
}

/** A chat with no messages yet (not written by Parley itself): its settings in their own read. */
async function chatWithoutMessages(tx: Pick<ChatDatabase, "select">, chatId: string) {
  const [row] = await tx.select(turnChatColumns).from(chats).where(eq(chats.id, chatId)).limit(1);
  return row;
}

function newChatSettings(newChat: NewTurn["newChat"], now: Date): TurnChat {
  return {
    instructions: newChat?.instructions ?? null,
    instructionsTokens: newChat?.instructionsTokens ?? null,
    titleSource: newChat?.titleSource ?? null,
    model: newChat?.model ?? "",
    title: newChat?.title ?? "",
    createdAt: now,
  };
}
