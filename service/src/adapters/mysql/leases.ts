/**
 * The SQL side of ownership leases, shared by the tables whose rows are held while live (`messages`
 * while `streaming`, `whatsapp_messages` while `answering`): renew one owner's leases, end expired ones.
 */
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { EndedLease } from "../../application/ports.js";
import { ownerGoneError } from "../../domain/chat.js";
import type { MySqlColumn } from "drizzle-orm/mysql-core";
import type { ChatDatabase } from "./database.js";
import { messages, whatsAppMessages } from "./schema.js";

/** A row that is no longer live holds no lease. */
export const noLease = { owner: null, leaseExpiresAt: null } as const;

type LeasedTable = typeof messages | typeof whatsAppMessages;

/** Live rows of `table` (by its `status` column being `liveStatus`). */
const live = (table: LeasedTable, liveStatus: string) => eq(table.status, liveStatus);

/** The key column of each leased table. */
const keyOf = (table: LeasedTable) => ("messageSid" in table ? table.messageSid : table.id);

/** Extends the leases `owner` holds on the rows `ids` of `table`; returns how many. */
export async function renewLeases(
  db: ChatDatabase,
  table: LeasedTable,
  liveStatus: string,
  owner: string,
  ids: readonly string[],
  expiresAt: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const [result] = await db
    .update(table)
    .set({ leaseExpiresAt: expiresAt })
    .where(and(live(table, liveStatus), eq(table.owner, owner), inArray(keyOf(table), [...ids])));
  return result.affectedRows;
}

/** A transaction of the sweep, as its `settle` step gets it. */
export type SweepTransaction = Parameters<Parameters<ChatDatabase["transaction"]>[0]>[0];

/** How many expired rows one sweep ends; the next sweep (seconds later) takes the rest. */
const sweepBatch = 500;

/**
 * Ends live rows of `table` whose lease ran out before `now` as `interrupted`; returns exactly those.
 * The rows are locked while they are ended (`FOR UPDATE`), so a late renewal cannot slip in between,
 * and rows another sweeper holds are skipped (`SKIP LOCKED`): no row is ended, or reported, twice.
 * `settle`, when given, runs in the same transaction on the rows just ended (replies store their usage
 * there), so it happens exactly once per row too.
 */
export async function endExpiredLeases(
  db: ChatDatabase,
  table: LeasedTable,
  liveStatus: string,
  now: Date,
  settle?: (tx: SweepTransaction, ended: EndedLease[]) => Promise<void>,
): Promise<EndedLease[]> {
  const key = keyOf(table);
  const content = "content" in table ? table.content : sql<string>`''`;
  return db.transaction(async (tx) => {
    const expired = await tx
      .select({ id: key, content })
      .from(table)
      .where(and(live(table, liveStatus), ranOut(table.leaseExpiresAt, now)))
      .limit(sweepBatch)
      .for("update", { skipLocked: true });
    if (expired.length === 0) return [];
    await tx
      .update(table)
      .set({ status: "interrupted", error: ownerGoneError, ...noLease, updatedAt: now })
      .where(
        inArray(
          key,
          expired.map((row) => row.id),
        ),
      );
    await settle?.(tx, expired);
    return expired;
  });
}

/** Rows from before leases existed have none: they are as expired as a crashed owner's. */
const ranOut = (expiresAt: MySqlColumn, now: Date) => or(isNull(expiresAt), lt(expiresAt, now));
