/**
 * The SQL side of ownership leases, shared by the tables whose rows are held while live (`messages`
 * while `streaming`, `whatsapp_messages` while `answering`): renew one owner's leases, end expired ones.
 */
import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import type { MySqlColumn } from "drizzle-orm/mysql-core";
import type { ChatDatabase } from "./database.js";
import { messages, whatsAppMessages } from "./schema.js";

/** What a row ended by a sweeper (its owner gone) says. */
export const interruptedError = "the service stopped while answering";

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

/** Ends live rows of `table` whose lease ran out before `now` as `interrupted`; returns how many. */
export async function endExpiredLeases(
  db: ChatDatabase,
  table: LeasedTable,
  liveStatus: string,
  now: Date,
): Promise<number> {
  const [result] = await db
    .update(table)
    .set({ status: "interrupted", error: interruptedError, ...noLease, updatedAt: now })
    .where(and(live(table, liveStatus), ranOut(table.leaseExpiresAt, now)));
  return result.affectedRows;
}

/** Rows from before leases existed have none: they are as expired as a crashed owner's. */
const ranOut = (expiresAt: MySqlColumn, now: Date) => or(isNull(expiresAt), lt(expiresAt, now));
