/** The UserLimitsStore port over MySQL/MariaDB: the `user_limits` table, one primary-key read. */
import { eq, sql } from "drizzle-orm";
import type { UserLimitsStore } from "../../application/limits/limits-ports.js";
import { noOverrides, type LimitOverrides } from "../../domain/limits.js";
import type { ChatDatabase } from "./database.js";
import { userLimits } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlUserLimitsStore(db: ChatDatabase): UserLimitsStore {
  return {
    settingsOf: (userId) =>
      withStorageErrors(async () => {
        const [row] = await db.select().from(userLimits).where(eq(userLimits.userId, userId)).limit(1);
        if (!row) return { overrides: noOverrides, blocked: false };
        const { userId: _, blocked, updatedAt: __, ...overrides } = row;
        return { overrides: overrides satisfies LimitOverrides, blocked };
      }),

    update: (userId, change, now) =>
      withStorageErrors(async () => {
        const set = {
          ...change.overrides,
          ...(change.blocked !== undefined && { blocked: change.blocked }),
          updatedAt: now,
        };
        await db
          .insert(userLimits)
          .values({ ...noOverrides, blocked: false, ...set, userId })
          .onDuplicateKeyUpdate({ set: { ...set, userId: sql`${userLimits.userId}` } });
      }),
  };
}
