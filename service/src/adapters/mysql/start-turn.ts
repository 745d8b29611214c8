/** The one write that begins a turn: the user's message and an empty reply, appended atomically. */
import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Message } from "../../domain/chat.js";
import { chatNotFound, replyInProgress, tooManyVersions } from "../../domain/errors.js";
import { maxVersionsPerMessage } from "../../domain/message-tree.js";
import { concurrencyRefusal } from "../../domain/limits.js";
import type { NewTurn, StartedTurn, TurnChat } from "../../application/chats/chat-repository.js";
import type { ChatDatabase } from "./database.js";
import { assertTitleFits } from "./rows.js";
import { chats, messages, sendRequests, userLimits } from "./schema.js";
import { DuplicateSendRequest, type TurnRequest } from "../../application/chats/send-requests.js";
import { isDuplicateKey } from "./duplicate-key.js";
import {
  liveReplyCount,
  newChatSettings,
  pathFrom,
  readNewest,
  toTurnChat,
  type NewestRead,
  type TurnChatRow,
} from "./turn-reads.js";
import { rowsOfPreread } from "./read-turn.js";

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
 * The same read, made beside the transaction without it (readTurn, read-turn.ts), lets the model call
 * start even before the first three; the caller compares what `onChecked` then reports with it. When
 * that pre-read has answered by the time the chat is locked, the read under the lock is narrowed to the
 * newest row and the chat's settings (verifiedPreread): the same statement with LIMIT 1, and the
 * pre-read's rows when nothing changed, so the service and the database do not read the history twice.
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
  return db.transaction(async (tx) => {
    if (turn.request) await storeRequest(tx, turn, turn.request);
    if (turn.maxLiveReplies > 0) {
      await tx
        .insert(userLimits)
        .values({ userId, updatedAt: now })
        .onDuplicateKeyUpdate({ set: { userId: sql`${userLimits.userId}` } });
    }
    let newest: NewestRead = { rows: [], chainOf: new Map(), settings: undefined };
    let activeLeafId: string | null = null;
    let chat: TurnChat = newChatSettings(newChat, now);
    if (newChat) {
      turn.admit?.(chat);
      await tx.insert(chats).values({ id: chatId, userId, ...newChat, createdAt: now, updatedAt: now });
    } else {
      // mysql2 reports matched rows (CLIENT_FOUND_ROWS), so an unchanged timestamp still counts as found.
      const [touched] = await tx
        .update(chats)
        .set(turn.chatModel ? { updatedAt: now, model: turn.chatModel } : { updatedAt: now })
        .where(and(eq(chats.id, chatId), eq(chats.userId, userId)));
      if (touched.affectedRows === 0) throw chatNotFound(chatId);
      newest = (await verifiedPreread(tx, turn)) ?? (await readNewest(tx, chatId, turn.historyLimit));
      if (newest.settings) {
        chat = toTurnChat(newest.settings);
        activeLeafId = newest.settings.activeLeafId;
      }
    }
    const newestRow = newest.rows[0];
    if (newestRow?.status === "streaming") throw replyInProgress(chatId, newestRow.id);
    // A plain read after both locks: the snapshot sees every turn the user started before.
    if (turn.maxLiveReplies > 0 && (await liveReplyCount(tx, userId)) >= turn.maxLiveReplies)
      throw concurrencyRefusal(turn.maxLiveReplies, now);
    if (!newChat) turn.admit?.(chat);
    const counted = turn.countFor?.(chat) ?? {
      tokenCount: turn.userMessage.tokenCount,
      tokenEncoding: turn.tokenEncoding,
    };
    const seq = (newestRow?.seq ?? 0) + 1;
    const place = turn.place ?? { kind: "continue" };
    // The message the turn's user message follows (for an answer: the one its stored user message does).
    const promptParentId =
      place.kind === "continue"
        ? (activeLeafId ?? newestRow?.id ?? null)
        : place.kind === "branch"
          ? place.parentId
          : place.userMessage.parentId;
    const path = await pathFrom(tx, chatId, promptParentId, newest, turn.historyLimit);
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
    await tx.insert(messages).values(place.kind === "answer" ? [replyRow] : [userColumns, replyRow]);
    // The new reply is the chat's newest message, which a null choice stands for: a chat on its newest
    // branch (every chat that never switched) pays no extra statement.
    if (activeLeafId !== null) await tx.update(chats).set({ activeLeafId: null }).where(eq(chats.id, chatId));
    return { chat, userMessage, reply, history: path.history, historyFrom: path.historyFrom };
  });
}

/**
 * The pre-read's rows, when they still hold under the lock: the chat's newest message (one row, with the
 * chat's settings) is the one the pre-read saw, with the same status, and the settings are the same.
 * That is enough: a stored message never changes once it is not `streaming` (the pre-read found none),
 * a chat loses no single message (only the whole chat is deleted), and any new one would be the newest.
 * Undefined (read everything) when there is no answered pre-read, or anything differs.
 */
async function verifiedPreread(tx: ChatDatabase, turn: NewTurn): Promise<NewestRead | undefined> {
  const read = rowsOfPreread(turn.preread?.());
  const seen = read?.rows[0];
  if (!read?.settings || !seen) return undefined;
  const now = await readNewest(tx, turn.chatId, 1);
  const newest = now.rows[0];
  const expected = { ...read.settings, model: turn.chatModel ?? read.settings.model };
  const same =
    newest?.id === seen.id &&
    newest.seq === seen.seq &&
    newest.status === seen.status &&
    now.settings !== undefined &&
    sameSettings(now.settings, expected);
  return same ? { ...read, settings: now.settings } : undefined;
}

function sameSettings(a: TurnChatRow, b: TurnChatRow): boolean {
  return (Object.keys(a) as (keyof TurnChatRow)[]).every((key) => {
    const x = a[key];
    const y = b[key];
    return x instanceof Date && y instanceof Date ? x.getTime() === y.getTime() : x === y;
  });
}

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
