/**
 * Transactions without a BEGIN: the turn's transaction (start-turn.ts) sits between a person's message
 * and the first token, and every round trip in it is time to first token. Drizzle's `db.transaction`
 * sends `begin` as a statement of its own; a session with `autocommit=0` needs none, because InnoDB then
 * starts a transaction at the session's first statement, and ends it at COMMIT or ROLLBACK.
 *
 * The semantics are those of `BEGIN` (which is `START TRANSACTION` without a consistent snapshot): the
 * transaction's snapshot is taken at its first plain read, not when it starts, so start-turn's reading
 * after the chat's lock still sees everything the previous holder committed. The isolation level is the
 * server's default, as for every other connection (the pool sets none).
 *
 * Those sessions must never serve other work: a statement sent outside such a transaction would open one
 * that nothing commits, holding its locks and snapshot. So they come from a pool of their own (see
 * createDatabase), each switched once, the first time it is lent, and they always leave a transaction
 * closed: the work's statements then COMMIT, or ROLLBACK on any error. A connection whose COMMIT or
 * ROLLBACK fails (or times out: withQueryTimeout) is destroyed, never returned to the pool with a
 * transaction that may still be open; the server rolls back whatever the session had.
 */
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/mysql2";
import type { Pool, PoolConnection } from "mysql2/promise";
import type { ChatDatabase } from "./database.js";

/** Runs `work` in one transaction on one connection and commits it; an error rolls it back. */
export type TurnTransaction = <T>(work: (tx: ChatDatabase) => Promise<T>) => Promise<T>;

/** The driver connections (stable across loans, unlike the wrappers the pool lends) already switched. */
const switched = new WeakSet<object>();

/**
 * Transactions on `pool`, whose connections serve nothing else. `onQuery` hears each statement Drizzle
 * sends (the work's, and the COMMIT or ROLLBACK), as for the main pool; the one-off switch is not one.
 */
export function createTurnTransactions(pool: Pool, onQuery?: (sql: string) => void): TurnTransaction {
  const logger = onQuery ? { logger: { logQuery: (statement: string) => onQuery(statement) } } : {};
  return async <T>(work: (tx: ChatDatabase) => Promise<T>): Promise<T> => {
    const connection = await pool.getConnection();
    try {
      await switchOnce(connection);
    } catch (error) {
      connection.destroy();
      throw error;
    }
    // Bound to this one connection: every statement of `work` goes to it (Drizzle lends from a pool
    // per statement otherwise).
    const tx = drizzle({ client: connection, ...logger });
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      // The work's own error is the one that matters; a failed ROLLBACK only costs the connection.
      await tx.execute(sql`rollback`).then(
        () => connection.release(),
        () => connection.destroy(),
      );
      throw error;
    }
    try {
      await tx.execute(sql`commit`);
    } catch (error) {
      connection.destroy();
      throw error;
    }
    connection.release();
    return result;
  };
}

/** Turns autocommit off on a connection the first time it is lent: one round trip in its life. */
async function switchOnce(connection: PoolConnection): Promise<void> {
  const driverConnection: object = connection.connection;
  if (switched.has(driverConnection)) return;
  await connection.query("SET SESSION autocommit = 0");
  switched.add(driverConnection);
}
