/** The one write that begins a turn: the user's message and an empty reply, appended atomically. */
import { and, eq, sql } from "drizzle-orm";
import type { Message } from "../../domain/chat.js";
import { chatNotFound, replyInProgress } from "../../domain/errors.js";
import type { NewTurn, StartedTurn } from "../../application/chats/chat-repository.js";
import type { ChatDatabase } from "./database.js";
import { assertTitleFits } from "./rows.js";
import { chats, messages } from "./schema.js";

/**
 * Appends the user's message and a `streaming` reply in one transaction, creating the chat first when
 * asked. The chat row is locked before anything is read — by the UPDATE that records the chat's new
 * activity time, or by the INSERT of a new chat — so two sends to one chat, from any replica, run one
 * after the other: the second sees the first's streaming reply and gets `reply.in_progress`. A chat that
 * is missing or belongs to someone else matches no row: `chat.not_found`.
 *
 * Only the chat row is locked. The read of `messages` after it is a plain read on purpose: InnoDB takes
 * a transaction's snapshot at its first plain read, which here comes after the lock was granted, so it
 * sees everything the previous holder committed. Locking reads there would take gap locks, and new chats
 * (time-ordered ids) share the index's last gap: concurrent first messages deadlocked (measured: 18 of 20).
 *
 * Five statements (BEGIN, lock, one read, INSERT, COMMIT): this transaction sits between a person's
 * message and the model call, so every round trip is time to first token (see docs/benchmarks.md).
 */
export async function startTurn(db: ChatDatabase, turn: NewTurn): Promise<StartedTurn> {
  const { chat, now } = turn;
  if (turn.createChat) assertTitleFits(chat.title);
  return db.transaction(async (tx) => {
    if (turn.createChat) {
      await tx.insert(chats).values({ ...chat, updatedAt: now });
    } else {
      // mysql2 reports matched rows (CLIENT_FOUND_ROWS), so an unchanged timestamp still counts as found.
      const [touched] = await tx
        .update(chats)
        .set({ updatedAt: now })
        .where(and(eq(chats.id, chat.id), eq(chats.userId, chat.userId)));
      if (touched.affectedRows === 0) throw chatNotFound(chat.id);
    }

    // Both served by indexes, (status, chat_id) and (chat_id, seq): a long chat's history is never walked.
    const [rows] = (await tx.execute(
      sql`select (select ${messages.id} from ${messages} where ${messages.status} = 'streaming' and ${messages.chatId} = ${chat.id} limit 1) as streaming, (select max(${messages.seq}) from ${messages} where ${messages.chatId} = ${chat.id}) as last_seq`,
    )) as unknown as [{ streaming: string | null; last_seq: number | null }[]];
    const state = rows[0];
    if (state?.streaming) throw replyInProgress(chat.id, state.streaming);
    const seq = Number(state?.last_seq ?? 0) + 1;

    const common = {
      chatId: chat.id,
      finishReason: null,
      usage: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    const userMessage: Message = {
      ...common,
      id: turn.userMessage.id,
      seq,
      role: "user",
      content: turn.userMessage.content,
      tokenCount: turn.userMessage.tokenCount,
      status: "complete",
    };
    const reply: Message = {
      ...common,
      id: turn.replyId,
      seq: seq + 1,
      role: "assistant",
      content: "",
      tokenCount: 0,
      status: "streaming",
    };
    await tx.insert(messages).values([userMessage, reply].map(({ usage: _usage, ...columns }) => columns));
    return { userMessage, reply };
  });
}
