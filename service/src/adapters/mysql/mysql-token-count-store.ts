/**
 * The TokenCountStore port over MySQL/MariaDB: `message_token_counts`, one row per (message, encoding).
 * A batch is at most a history page, so both statements stay small.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { TokenCountStore } from "../../application/models/token-count-store.js";
import type { ChatDatabase } from "./database.js";
import { messageTokenCounts } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlTokenCountStore(db: ChatDatabase): TokenCountStore {
  return {
    countsOf: (messageIds, encoding) =>
      withStorageErrors(async () => {
        if (messageIds.length === 0) return new Map();
        const rows = await db
          .select({ messageId: messageTokenCounts.messageId, tokenCount: messageTokenCounts.tokenCount })
          .from(messageTokenCounts)
          .where(
            and(
              eq(messageTokenCounts.encoding, encoding),
              inArray(messageTokenCounts.messageId, [...messageIds]),
            ),
          );
        return new Map(rows.map((row) => [row.messageId, row.tokenCount]));
      }),
    saveCounts: (counts) =>
      withStorageErrors(async () => {
        if (counts.length === 0) return;
        // Two turns may count the same message at once: the same text gives the same count, keep either.
        await db
          .insert(messageTokenCounts)
          .values(counts.map(({ messageId, encoding, tokenCount }) => ({ messageId, encoding, tokenCount })))
          .onDuplicateKeyUpdate({ set: { tokenCount: sql`token_count` } });
      }),
  };
}
