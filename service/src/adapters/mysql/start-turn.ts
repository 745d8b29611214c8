/** The one write that begins a turn: the user's message and an empty reply, appended atomically. */
import { and, eq, max } from "drizzle-orm";
import type { Message } from "../../domain/chat.js";
import { chatNotFound, replyInProgress } from "../../domain/errors.js";
import type { NewTurn, StartedTurn } from "../../application/ports.js";
import type { ChatDatabase } from "./database.js";
import { assertTitleFits } from "./rows.js";
import { chats, messages } from "./schema.js";

/**
 * Appends the user's message and a `streaming` reply in one transaction, creating the chat first when
 * asked. The chat row is locked (SELECT ... FOR UPDATE) before anything is read, so two sends to one
 * chat, from any replica, run one after the other: the second sees the first's streaming reply and gets
 * `reply.in_progress`. A chat that is missing or belongs to someone else is `chat.not_found`.
 *
 * Only the chat row is locked. The reads of `messages` after it are plain reads on purpose: InnoDB takes
 * a transaction's snapshot at its first plain read, which here comes after the lock was granted, so they
 * see everything the previous holder committed. Locking reads there would take gap locks, and new chats
 * (time-ordered ids) share the index's last gap: concurrent first messages deadlocked (measured: 18 of 20).
 */
export async function startTurn(db: ChatDatabase, turn: NewTurn): Promise<StartedTurn> {
  const { chat, now } = turn;
  if (turn.createChat) assertTitleFits(chat.title);
  return db.transaction(async (tx) => {
    if (turn.createChat) {
      await tx.insert(chats).values({ ...chat, updatedAt: now });
    }
    const [locked] = await tx
      .select({ id: chats.id })
      .from(chats)
      .where(and(eq(chats.id, chat.id), eq(chats.userId, chat.userId)))
      .for("update");
    if (!locked) throw chatNotFound(chat.id);

    // Served by the (status, chat_id) index: a long chat's history is never walked.
    const [streaming] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.status, "streaming"), eq(messages.chatId, chat.id)))
      .limit(1);
    if (streaming) throw replyInProgress(chat.id, streaming.id);

    const [last] = await tx
      .select({ seq: max(messages.seq) })
      .from(messages)
      .where(eq(messages.chatId, chat.id));
    const seq = (last?.seq ?? 0) + 1;

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
    await tx.update(chats).set({ updatedAt: now }).where(eq(chats.id, chat.id));
    return { userMessage, reply };
  });
}
