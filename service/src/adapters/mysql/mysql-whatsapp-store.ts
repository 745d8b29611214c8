/** The WhatsAppStore port over MySQL/MariaDB: the `whatsapp_senders` and `whatsapp_messages` tables. */
import { and, desc, eq, gt, isNotNull } from "drizzle-orm";
import type {
  RecordedTurn,
  WhatsAppStore,
  WhatsAppTurnKind,
} from "../../application/whatsapp/whatsapp-ports.js";
import type { ChatDatabase } from "./database.js";
import { isDuplicateKey } from "./duplicate-key.js";
import { endExpiredLeases, noLease, renewLeases } from "./leases.js";
import { clip } from "./rows.js";
import { whatsAppLimitNotices, whatsAppMessages, whatsAppSenders } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlWhatsAppStore(db: ChatDatabase): WhatsAppStore {
  /** The sender's chat turn that is answering under a live lease (not left by a gone process), if any. */
  const answering = (sender: string, now: Date) =>
    and(
      eq(whatsAppMessages.status, "answering"),
      eq(whatsAppMessages.sender, sender),
      eq(whatsAppMessages.kind, "chat"),
      gt(whatsAppMessages.leaseExpiresAt, now),
    );

  return {
    recordTurn: (turn) =>
      withStorageErrors(async (): Promise<RecordedTurn> => {
        try {
          return await db.transaction(async (tx) => {
            // Lock the sender's row (creating it on their first message): one sender's messages are
            // recorded one after the other, from any replica, so the "busy?" read below cannot race.
            await tx
              .insert(whatsAppSenders)
              .values({ sender: turn.sender, chatId: null, updatedAt: turn.now })
              .onDuplicateKeyUpdate({ set: { updatedAt: turn.now } });
            const [sender] = await tx
              .select({ chatId: whatsAppSenders.chatId })
              .from(whatsAppSenders)
              .where(eq(whatsAppSenders.sender, turn.sender))
              .for("update");
            // A plain read, taken after the lock was granted, so it sees what the previous holder
            // committed; a locking read would take gap locks on the index for nothing (see start-turn.ts).
            const busy =
              turn.kind === "chat" &&
              (await tx
                .select({ sid: whatsAppMessages.messageSid })
                .from(whatsAppMessages)
                .where(answering(turn.sender, turn.now))
                .limit(1)
                .then((rows) => rows.length > 0));
            const kind: WhatsAppTurnKind = busy ? "busy" : turn.kind;
            await tx.insert(whatsAppMessages).values({
              messageSid: turn.messageSid,
              sender: turn.sender,
              kind,
              status: "answering",
              owner: turn.lease.owner,
              leaseExpiresAt: turn.lease.expiresAt,
              partsSent: 0,
              createdAt: turn.now,
              updatedAt: turn.now,
            });
            return { duplicate: false, kind, chatId: sender?.chatId ?? null };
          });
        } catch (error) {
          // The primary key: this MessageSid was recorded before (or by a concurrent delivery just now).
          if (isDuplicateKey(error)) return { duplicate: true };
          throw error;
        }
      }),

    replyStarted: (messageSid, reply) =>
      withStorageErrors(async () => {
        await db
          .update(whatsAppMessages)
          .set({ chatId: reply.chatId, replyId: reply.replyId, updatedAt: reply.now })
          .where(eq(whatsAppMessages.messageSid, messageSid));
        if (reply.newChat) {
          await db
            .update(whatsAppSenders)
            .set({ chatId: reply.chatId, updatedAt: reply.now })
            .where(eq(whatsAppSenders.sender, reply.sender));
        }
      }),

    leaveChat: (sender, now) =>
      withStorageErrors(async () => {
        await db
          .update(whatsAppSenders)
          .set({ chatId: null, updatedAt: now })
          .where(eq(whatsAppSenders.sender, sender));
      }),

    firstLimitNotice: (notice, now) =>
      withStorageErrors(async () => {
        // The primary key (sender, reason, period) makes this true once per period, on any replica.
        const [result] = await db
          .insert(whatsAppLimitNotices)
          .ignore()
          .values({ ...notice, createdAt: now });
        return result.affectedRows > 0;
      }),

    answeringReply: (sender, now) =>
      withStorageErrors(async () => {
        const [row] = await db
          .select({ replyId: whatsAppMessages.replyId })
          .from(whatsAppMessages)
          .where(and(answering(sender, now), isNotNull(whatsAppMessages.replyId)))
          .orderBy(desc(whatsAppMessages.createdAt))
          .limit(1);
        return row?.replyId ?? null;
      }),

    finishTurn: (messageSid, outcome) =>
      withStorageErrors(async () => {
        const [result] = await db
          .update(whatsAppMessages)
          .set({
            status: outcome.status,
            partsSent: outcome.partsSent,
            errorCode: clip(outcome.errorCode, 32),
            error: clip(outcome.error, 500),
            ...noLease,
            updatedAt: outcome.now,
          })
          .where(
            and(
              eq(whatsAppMessages.messageSid, messageSid),
              eq(whatsAppMessages.status, "answering"),
              eq(whatsAppMessages.owner, outcome.owner),
            ),
          );
        return result.affectedRows > 0;
      }),

    renewLeases: (owner, ids, expiresAt) =>
      withStorageErrors(() => renewLeases(db, whatsAppMessages, "answering", owner, ids, expiresAt)),

    endExpiredLeases: (now) =>
      withStorageErrors(() => endExpiredLeases(db, whatsAppMessages, "answering", now)),
  };
}
