/**
 * A statement timeout for every query Drizzle sends. mysql2 has a per-query `timeout` but no pool-wide
 * default, and Drizzle never sets one: without it a frozen server or a lock that is never released makes
 * callers wait forever.
 */
import type { Pool, PoolConnection } from "mysql2/promise";

type QueryArgument = string | { sql: string; timeout?: number };
type QueryMethod = (query: QueryArgument, ...rest: unknown[]) => Promise<unknown>;

/**
 * Wraps a pool so that each `query`/`execute`, on the pool or on a connection it lends (transactions),
 * fails after `timeoutMs`. The connection is then destroyed, not returned: mysql2 would keep it busy with
 * the abandoned statement, and whatever came next on it (a transaction's ROLLBACK, the next borrower's
 * query) would wait behind that statement with no timer running. Destroying it ends the wait at once,
 * and the server rolls back whatever transaction that session had open.
 */
export function withQueryTimeout(pool: Pool, timeoutMs: number): Pool {
  const lend = async () => guardConnection(await pool.getConnection(), timeoutMs);
  // The pool's own query borrows and returns a connection the same way, but through the timed one.
  const viaConnection =
    (method: "query" | "execute"): QueryMethod =>
    async (query, ...rest) => {
      const connection = await lend();
      try {
        return await (connection[method] as QueryMethod)(query, ...rest);
      } finally {
        connection.release();
      }
    };
  return new Proxy(pool, {
    get(target, key) {
      if (key === "getConnection") return lend;
      if (key === "query" || key === "execute") return viaConnection(key);
      return bound(target, key);
    },
  });
}

function guardConnection(connection: PoolConnection, timeoutMs: number): PoolConnection {
  const withDeadline =
    (method: QueryMethod): QueryMethod =>
    async (query, ...rest) => {
      try {
        return await method.call(connection, withTimeout(query, timeoutMs), ...rest);
      } catch (error) {
        if ((error as { code?: unknown }).code === "PROTOCOL_SEQUENCE_TIMEOUT") connection.destroy();
        throw error;
      }
    };
  return new Proxy(connection, {
    get(target, key) {
      if (key === "query" || key === "execute") return withDeadline(target[key] as QueryMethod);
      return bound(target, key);
    },
  });
}

/** Adds the timeout to a query that does not carry its own. */
function withTimeout(query: QueryArgument, timeoutMs: number): QueryArgument {
  if (typeof query === "string") return { sql: query, timeout: timeoutMs };
  return query.timeout === undefined ? { ...query, timeout: timeoutMs } : query;
}

/** A property of the wrapped object; methods keep the real object as `this`. */
function bound(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key, target);
  return typeof value === "function" && key !== "constructor" ? value.bind(target) : value;
}
