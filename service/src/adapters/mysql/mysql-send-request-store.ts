/** Client request ids of SendMessage in MySQL (`send_requests`); startTurn writes them with the turn. */
import { and, eq, lt } from "drizzle-orm";
import type { SendRequestStore } from "../../application/chats/send-requests.js";
import type { ChatDatabase } from "./database.js";
import { sendRequests } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlSendRequestStore(db: ChatDatabase): SendRequestStore {
  return {
    find: (userId, requestId) =>
      withStorageErrors(async () => {
        const [row] = await db
          .select()
          .from(sendRequests)
          .where(and(eq(sendRequests.userId, userId), eq(sendRequests.requestId, requestId)))
          .limit(1);
        return row;
      }),
    forgetExpired: (userId, requestId, before) =>
      withStorageErrors(async () => {
        await db
          .delete(sendRequests)
          .where(
            and(
              eq(sendRequests.userId, userId),
              eq(sendRequests.requestId, requestId),
              lt(sendRequests.createdAt, before),
            ),
          );
      }),
    // Oldest first through the created_at index, a bounded batch: no long delete, no lock on new rows.
    deleteExpired: (before, limit) =>
      withStorageErrors(async () => {
        const [result] = await db
          .delete(sendRequests)
          .where(lt(sendRequests.createdAt, before))
          .orderBy(sendRequests.createdAt)
          .limit(limit);
        return result.affectedRows;
      }),
  };
}
