/**
 * The UserLimitsStore port over MySQL/MariaDB: the `user_limits` table (one primary-key read), and with
 * it the `usage_daily` aggregate a send's budgets count (one range of its primary key), in one statement.
 */
import { and, between, eq, sql } from "drizzle-orm";
import type { UserLimitsStore } from "../../application/limits/limits-ports.js";
import { noOverrides, type LimitOverrides, type UserLimitSettings } from "../../domain/limits.js";
import type { ChatDatabase } from "./database.js";
import { usageDaily, userLimits } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlUserLimitsStore(db: ChatDatabase): UserLimitsStore {
  const limitsRead = prepareLimitsRead(db);
  return {
    settingsOf: (userId) =>
      withStorageErrors(async () => {
        const [row] = await db.select().from(userLimits).where(eq(userLimits.userId, userId)).limit(1);
        return settingsFrom(row);
      }),

    limitsOf: (userId, monthStart, today) =>
      withStorageErrors(async () => {
        const [row] = await limitsRead.execute({ userId, monthStart, today });
        // SUM() comes back as a decimal string; the figures are far below 2^53.
        return {
          settings: settingsFrom(row?.settings),
          use: {
            todayTokens: Number(row?.todayTokens ?? 0),
            monthTokens: Number(row?.monthTokens ?? 0),
            monthCostMicros: Number(row?.monthCostMicros ?? 0),
          },
        };
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

/**
 * Every send's limits read, built once: Drizzle rebuilds a query's SQL on every run, and this one (a
 * derived table, a join, every column of `user_limits`) took ~0.3 ms of CPU to build and map each time,
 * more than the statement's own round trip (docs/benchmarks.md, "Statements built once").
 *
 * An aggregate without GROUP BY is always one row (zeros for a month without usage), so the user's
 * overrides join it: no row of theirs, no overrides. Tokens and cost count every kind.
 */
function prepareLimitsRead(db: ChatDatabase) {
  const userId = sql.placeholder("userId");
  const today = sql.placeholder("today");
  const tokens = sql`${usageDaily.promptTokens} + ${usageDaily.completionTokens}`;
  const use = db
    .select({
      todayTokens:
        sql<string>`coalesce(sum(case when ${usageDaily.day} = ${today} then ${tokens} else 0 end), 0)`.as(
          "today_tokens",
        ),
      monthTokens: sql<string>`coalesce(sum(${tokens}), 0)`.as("month_tokens"),
      monthCostMicros: sql<string>`coalesce(sum(${usageDaily.costMicros}), 0)`.as("month_cost_micros"),
    })
    .from(usageDaily)
    .where(and(eq(usageDaily.userId, userId), between(usageDaily.day, sql.placeholder("monthStart"), today)))
    .as("budget_use");
  return db
    .select({
      todayTokens: use.todayTokens,
      monthTokens: use.monthTokens,
      monthCostMicros: use.monthCostMicros,
      settings: userLimits,
    })
    .from(use)
    .leftJoin(userLimits, eq(userLimits.userId, userId))
    .prepare();
}

/** A `user_limits` row as settings; none: no overrides, not blocked. */
function settingsFrom(row: typeof userLimits.$inferSelect | null | undefined): UserLimitSettings {
  if (!row) return { overrides: noOverrides, blocked: false };
  const { userId: _, blocked, updatedAt: __, ...overrides } = row;
  return { overrides: overrides satisfies LimitOverrides, blocked };
}
