/**
 * The per-user daily usage aggregate (`usage_daily`), written in the same transaction as the write that
 * ends a reply (the owner's fenced final write, or the sweeper's interrupt) — not by a roll-up job:
 * - a budget check or GetUsage is one primary-key range read (user, day), never a scan of messages;
 * - there is no roll-up job to run, schedule, lag behind or lose;
 * - it is exactly once: the increment rides on the write that moves the reply out of `streaming`, which
 *   happens once (fenced by owner, or under the sweeper's row lock), and commits or rolls back with it.
 */
import { sql } from "drizzle-orm";
import { utcDay, type MeteredUsage, type UsageKind } from "../../domain/usage.js";
import type { ChatDatabase } from "./database.js";
import { usageDaily } from "./schema.js";

/** What one use of the model adds to a user's day. */
export interface UsageIncrement {
  userId: string;
  kind: UsageKind;
  usage: MeteredUsage;
  /** When it ended: the UTC day it counts on. */
  at: Date;
}

type Executor = Pick<ChatDatabase, "insert">;

/**
 * Adds `increments` to their users' days: one INSERT ... ON DUPLICATE KEY UPDATE, whose rows for the same
 * key apply one after the other. `VALUES(col)` rather than MySQL 8's row alias: MariaDB knows only it.
 */
export async function addDailyUsage(tx: Executor, increments: readonly UsageIncrement[]): Promise<void> {
  if (increments.length === 0) return;
  const add = (column: string) => sql.raw(`\`${column}\` + VALUES(\`${column}\`)`);
  await tx
    .insert(usageDaily)
    .values(
      increments.map(({ userId, kind, usage, at }) => ({
        userId,
        day: utcDay(at),
        kind,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        replies: 1,
        estimatedReplies: usage.source === "estimate" ? 1 : 0,
        costMicros: usage.costMicros,
        updatedAt: at,
      })),
    )
    .onDuplicateKeyUpdate({
      set: {
        promptTokens: add("prompt_tokens"),
        completionTokens: add("completion_tokens"),
        replies: add("replies"),
        estimatedReplies: add("estimated_replies"),
        costMicros: add("cost_micros"),
        updatedAt: sql.raw("GREATEST(`updated_at`, VALUES(`updated_at`))"),
      },
    });
}
