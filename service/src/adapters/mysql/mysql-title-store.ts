/**
 * The TitleStore port over MySQL/MariaDB: a generated title, its search index entry and its usage, in
 * one transaction.
 */
import { and, eq } from "drizzle-orm";
import type { TitleStore } from "../../application/titles/title-store.js";
import type { ChatDatabase } from "./database.js";
import { chats } from "./schema.js";
import { indexTitle } from "./search-index.js";
import { withStorageErrors } from "./storage-errors.js";
import { addDailyUsage } from "./usage-daily.js";

export function createMysqlTitleStore(db: ChatDatabase): TitleStore {
  return {
    saveGeneratedTitle: ({ userId, chatId, title, usage, now }) =>
      withStorageErrors(() =>
        db.transaction(async (tx) => {
          let stored = false;
          if (title !== null) {
            // Conditional on the source: a rename (title_source = user) that committed first wins, and
            // a chat already titled is not titled again. The chat's activity time is left alone.
            const [result] = await tx
              .update(chats)
              .set({ title, titleSource: "generated" })
              .where(
                and(eq(chats.id, chatId), eq(chats.userId, userId), eq(chats.titleSource, "first_message")),
              );
            stored = result.affectedRows > 0;
            // Searchable under its new title, as after a rename.
            if (stored) await indexTitle(tx, userId, chatId);
          }
          // Nothing was sent (refused before the upstream accepted it): nothing to count.
          if (usage.totalTokens > 0 || usage.source === "provider") {
            await addDailyUsage(tx, [{ userId, kind: "title", usage, at: now }]);
          }
          return stored;
        }),
      ),
  };
}
