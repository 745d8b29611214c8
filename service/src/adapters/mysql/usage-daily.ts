/**
 * The per-user daily usage aggregate (`usage_daily`), written in the same transaction (or the same
 * statement) as the write that ends a reply (the owner's fenced final write, or the sweeper's interrupt)
 * — not by a roll-up job:
 * - a budget check or GetUsage is one primary-key range read (user, day), never a scan of messages;
 * - there is no roll-up job to run, schedule, lag behind or lose;
 * - it is exactly once: the increment rides on the write that moves the reply out of `streaming`, which
 *   happens once (fenced by owner, or under the sweeper's row lock), and commits or rolls back with it.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import { utcDay, type MeteredUsage, type UsageKind } from "../../domain/usage.js";
import type { ChatDatabase } from "./database.js";
import { usageDaily } from "./schema.js";
import { placeholderFor } from "./statements.js";

/** What one use of the model adds to a user's day. */
export interface UsageIncrement {
  userId: string;
  kind: UsageKind;
  usage: MeteredUsage;
  /** When it ended: the UTC day it counts on. */
  at: Date;
}

type Executor = Pick<ChatDatabase, "insert">;

/** The `usage_daily` row one increment adds to (or starts): its key and the amounts it adds. */
function dailyRow({ userId, kind, usage, at }: UsageIncrement) {
  return {
    userId,
    day: utcDay(at),
    kind,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    replies: 1,
    estimatedReplies: usage.source === "estimate" ? 1 : 0,
    costMicros: usage.costMicros,
    updatedAt: at,
  };
}

/** The columns an increment adds to; `updated_at` keeps the latest. */
const addedColumns = [
  "promptTokens",
  "completionTokens",
  "replies",
  "estimatedReplies",
  "costMicros",
] as const;

/**
 * Adds `increments` to their users' days: one INSERT ... ON DUPLICATE KEY UPDATE, whose rows for the same
 * key apply one after the other. `VALUES(col)` rather than MySQL 8's row alias: MariaDB knows only it.
 */
export async function addDailyUsage(tx: Executor, increments: readonly UsageIncrement[]): Promise<void> {
  if (increments.length === 0) return;
  const added = (column: (typeof addedColumns)[number]) => {
    const name = usageDaily[column].name;
    return sql.raw(`\`${name}\` + VALUES(\`${name}\`)`);
  };
  await tx
    .insert(usageDaily)
    .values(increments.map(dailyRow))
    .onDuplicateKeyUpdate({
      set: {
        ...Object.fromEntries(addedColumns.map((column) => [column, added(column)])),
        updatedAt: sql.raw("GREATEST(`updated_at`, VALUES(`updated_at`))"),
      },
    });
}

type DailyRow = ReturnType<typeof dailyRow>;
const countedDayPlaceholder = (column: keyof DailyRow) => `day_${column}`;

/**
 * An increment as parts of a multi-table UPDATE that joins `usage_daily`, built once (statements.ts):
 * `where` picks the day's row (the statement matches nothing when that row does not exist yet), `set`
 * adds to it; `countedDayValues` fills their placeholders. For a write that must add usage in the same
 * statement as its own change (end-reply.ts); the row is started by addDailyUsage, the first time a
 * user's day counts anything of the kind.
 */
export const countedDay: { where: SQL; set: SQL } = (() => {
  const value = (column: keyof DailyRow) => placeholderFor(countedDayPlaceholder(column), usageDaily[column]);
  return {
    where: and(
      eq(usageDaily.userId, value("userId")),
      eq(usageDaily.day, value("day")),
      eq(usageDaily.kind, value("kind")),
    ) as SQL,
    set: sql.join(
      [
        ...addedColumns.map(
          (column) => sql`${usageDaily[column]} = ${usageDaily[column]} + ${value(column)}`,
        ),
        sql`${usageDaily.updatedAt} = greatest(${usageDaily.updatedAt}, ${value("updatedAt")})`,
      ],
      sql`, `,
    ),
  };
})();

/** The values of `countedDay`'s placeholders for one increment. */
export function countedDayValues(increment: UsageIncrement): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(dailyRow(increment)).map(([column, value]) => [
      countedDayPlaceholder(column as keyof DailyRow),
      value,
    ]),
  );
}
