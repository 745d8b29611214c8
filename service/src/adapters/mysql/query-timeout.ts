/**
 * A statement timeout for every query Drizzle sends. mysql2 has a per-query `timeout` but no pool-wide
 * default, and Drizzle never sets one: without it a frozen server or a lock that is never released makes
 * callers wait forever.
 */
import type { Pool, PoolConnection } from "mysql2/promise";
import { storageUnavailable } from "./storage-errors.js";

type QueryArgument = string | { sql: string; timeout?: number };
type QueryMethod = (query: QueryArgument, ...rest: unknown[]) => Promise<unknown>;

/** How a pool refuses a borrower when it has no connection to lend in time. */
export interface AcquireLimit {
  /** Longest wait for a connection, queue included. */
  waitMs: number;
  /** Told of each refusal: the queue was full (`queue-full`) or the wait ran out (`wait-timeout`). */
  onRefused(reason: "queue-full" | "wait-timeout"): void;
}

/**
 * Wraps a pool so that borrowing a connection waits at most `acquire.waitMs` (mysql2 has a queue limit but
 * no time limit), and each `query`/`execute`, on the pool or on a connection it lends (transactions),
 * fails after `timeoutMs`. A full queue and an expired wait both become `storage.unavailable` without a
 * cause, so the RPC boundary does not log every refused request: `onRefused` hears of each, to log them
 * once per interval. The connection is then destroyed, not returned: mysql2 would keep it busy with
 * the abandoned statement, and whatever came next on it (a transaction's ROLLBACK, the next borrower's
 * query) would wait behind that statement with no timer running. Destroying it ends the wait at once,
 * and the server rolls back whatever transaction that session had open. `onQuery` hears each
 * statement's SQL (never its parameters) as it is sent.
 */
export function withQueryTimeout(
  pool: Pool,
  timeoutMs: number,
  acquire?: AcquireLimit,
  onQuery?: (sql: string) => void,
): Pool {
  const lend = async () =>
    guardConnection(
      await (acquire ? acquireWithin(pool, acquire) : pool.getConnection()),
      timeoutMs,
      onQuery,
    );
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

/** mysql2's refusal when `queueLimit` borrowers are already waiting (an Error without a code). */
const isQueueFull = (error: unknown) => error instanceof Error && error.message === "Queue limit reached.";

/**
 * A connection within `limit.waitMs`, else `storage.unavailable`. A borrower that gave up stays in
 * mysql2's queue (it cannot be taken out) until a connection comes free; that connection is then handed
 * straight back, to the next borrower in line.
 */
function acquireWithin(pool: Pool, limit: AcquireLimit): Promise<PoolConnection> {
  return new Promise((resolve, reject) => {
    let waiting = true;
    const timer = setTimeout(() => {
      waiting = false;
      limit.onRefused("wait-timeout");
      reject(poolRefusal());
    }, limit.waitMs);
    pool.getConnection().then(
      (connection) => {
        if (!waiting) return connection.release();
        waiting = false;
        clearTimeout(timer);
        resolve(connection);
      },
      (error: unknown) => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        if (!isQueueFull(error)) return reject(error);
        limit.onRefused("queue-full");
        reject(poolRefusal());
      },
    );
  });
}

/** `storage.unavailable` with no cause: a busy pool is not a fault worth a log line per request. */
const poolRefusal = () => storageUnavailable(undefined);

function guardConnection(
  connection: PoolConnection,
  timeoutMs: number,
  onQuery: ((sql: string) => void) | undefined,
): PoolConnection {
  const withDeadline =
    (method: QueryMethod): QueryMethod =>
    async (query, ...rest) => {
      onQuery?.(typeof query === "string" ? query : query.sql);
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
