/** The UsageRepository port over MySQL/MariaDB: reads of the `usage_daily` aggregate. */
import { and, asc, between, eq, sql } from "drizzle-orm";
import type { UsageRepository } from "../../application/usage/usage-repository.js";
import type { MySqlColumn } from "drizzle-orm/mysql-core";
import type { ChatDatabase } from "./database.js";
import { usageDaily } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlUsageRepository(db: ChatDatabase): UsageRepository {
  return {
    dailyUsage: (userId, fromDay, toDay) =>
      withStorageErrors(async () => {
        // A range of the primary key (user_id, day, kind), summed over kinds.
        const sum = (column: MySqlColumn) => sql<string>`sum(${column})`;
        // Tokens and cost count every kind (replies, titles); `replies` counts replies only.
        const sumOfReplies = (column: MySqlColumn) =>
          sql<string>`sum(case when ${usageDaily.kind} = 'reply' then ${column} else 0 end)`;
        const rows = await db
          .select({
            day: usageDaily.day,
            promptTokens: sum(usageDaily.promptTokens),
            completionTokens: sum(usageDaily.completionTokens),
            replies: sumOfReplies(usageDaily.replies),
            estimatedReplies: sumOfReplies(usageDaily.estimatedReplies),
            costMicros: sum(usageDaily.costMicros),
          })
          .from(usageDaily)
          .where(and(eq(usageDaily.userId, userId), between(usageDaily.day, fromDay, toDay)))
          .groupBy(usageDaily.day)
          .orderBy(asc(usageDaily.day));
        // SUM() comes back as a decimal string; the figures are far below 2^53.
        return rows.map((row) => ({
          day: row.day,
          promptTokens: Number(row.promptTokens),
          completionTokens: Number(row.completionTokens),
          replies: Number(row.replies),
          estimatedReplies: Number(row.estimatedReplies),
          costMicros: Number(row.costMicros),
        }));
      }),
  };
}
