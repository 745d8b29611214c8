/**
 * A reply's final write: its outcome on the row, and its usage on the user's day, exactly once — both or
 * neither, and only when the write is still the owner's to make (the reply `streaming`, owned by
 * `outcome.owner`): a reply ended elsewhere (a sweeper, after this process lost its lease) was counted
 * there.
 *
 * Most replies end on a day their user already has a `usage_daily` row for, and those end in ONE
 * statement: a multi-table UPDATE of the reply and that row. A single statement is atomic on its own, so
 * it needs no BEGIN and COMMIT around it, where the transaction takes four round trips (BEGIN, UPDATE,
 * INSERT ... ON DUPLICATE KEY UPDATE, COMMIT): every reply ends three round trips sooner and holds a
 * pooled connection for one instead of four. (It did not measurably change either process's CPU:
 * docs/benchmarks.md, "Progress saves in batches, the fitted prompt with them, the final write in one
 * statement".) When it matches nothing — no row for the day yet (the user's first reply that day), or a
 * reply that is not the owner's to end — the transaction runs and tells which, starting the day's row in
 * the first case.
 *
 * STRAIGHT_JOIN locks the reply's row before the day's, the order the transaction and the sweeper
 * (swept-usage.ts) take them in, so two final writes on one day never wait on each other crosswise.
 */
import { sql } from "drizzle-orm";
import type { ReplyOutcome } from "../../application/chats/chat-repository.js";
import type { ChatDatabase } from "./database.js";
import { noLease } from "./leases.js";
import { ownedLiveReply } from "./reply-fence.js";
import { clip, usageColumns } from "./rows.js";
import { messages, usageDaily, type MessageRow } from "./schema.js";
import { assignments, buildOnce, type EveryColumnListed } from "./statements.js";
import { addDailyUsage, countedDay, countedDayValues, type UsageIncrement } from "./usage-daily.js";

/** Ends the reply `replyId` with `outcome`; false when it was not `outcome.owner`'s live reply. */
export async function endReply(db: ChatDatabase, replyId: string, outcome: ReplyOutcome): Promise<boolean> {
  const usage: UsageIncrement = {
    userId: outcome.userId,
    kind: "reply",
    usage: outcome.usage,
    at: outcome.now,
  };
  return (
    (await endOnCountedDay(db, replyId, outcome, usage)) ||
    (await endInTransaction(db, replyId, outcome, usage))
  );
}

/** The one-statement path: false when the reply is not the owner's or the day has no row yet. */
async function endOnCountedDay(
  db: ChatDatabase,
  replyId: string,
  outcome: ReplyOutcome,
  usage: UsageIncrement,
): Promise<boolean> {
  const result = await endOnCountedDayStatement.run(db.$client, {
    ...finalColumns(outcome),
    fenceReplyId: replyId,
    fenceOwner: outcome.owner,
    ...countedDayValues(usage),
  });
  return result.affectedRows > 0;
}

async function endInTransaction(
  db: ChatDatabase,
  replyId: string,
  outcome: ReplyOutcome,
  usage: UsageIncrement,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [result] = await tx
      .update(messages)
      .set(finalColumns(outcome))
      .where(ownedLiveReply(replyId, outcome.owner));
    if (result.affectedRows === 0) return false;
    await addDailyUsage(tx, [usage]);
    return true;
  });
}

/** The reply's columns once it ended; marked for the search indexer, which indexes it after this write. */
function finalColumns(outcome: ReplyOutcome) {
  return {
    content: outcome.content,
    tokenCount: outcome.tokenCount,
    status: outcome.status,
    // Both come from the upstream: shortened to fit rather than lose the reply's ending over their length.
    finishReason: clip(outcome.finishReason, 32),
    error: clip(outcome.error, 500),
    ...usageColumns(outcome.usage),
    ...noLease,
    searchPending: true,
    updatedAt: outcome.now,
  };
}

type FinalColumn = keyof ReturnType<typeof finalColumns> & keyof MessageRow;

const finalColumnNames = [
  "content",
  "tokenCount",
  "status",
  "finishReason",
  "error",
  "promptTokens",
  "completionTokens",
  "totalTokens",
  "usageSource",
  "costMicros",
  "owner",
  "leaseExpiresAt",
  "searchPending",
  "updatedAt",
] as const satisfies readonly FinalColumn[];
/** Compiles only while every column finalColumns sets is in finalColumnNames: neither path drops one. */
const everyFinalColumnNamed: EveryColumnListed<FinalColumn, (typeof finalColumnNames)[number]> = true;
void everyFinalColumnNamed;

/** Built once: every reply but a user's first of the day ends with it (statements.ts). */
const endOnCountedDayStatement = buildOnce<Record<string, unknown>>(
  sql`update ${messages} straight_join ${usageDaily}
    set ${assignments(messages, finalColumnNames)}, ${countedDay.set}
    where ${ownedLiveReply(sql.placeholder("fenceReplyId"), sql.placeholder("fenceOwner"))} and ${countedDay.where}`,
);
