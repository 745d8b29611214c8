/**
 * The web app's own database: users, sessions, accounts and verifications only (the service keeps the
 * conversations). Created with utf8mb4 when missing; better-auth's tables are migrated by `createAuth`.
 * Every borrower waits a bounded time for a connection: a full queue or an expired wait is a
 * `DatabaseBusyError` (a 503 for the caller), and such refusals are logged once per interval.
 */
import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { createRateLimitedWarn } from "@parley/log-line";
import { parseDatabaseUrl } from "@parley/mysql-url";
import { MysqlDialect, type MysqlPool } from "kysely";
import { createConnection, createPool, type Pool } from "mysql2/promise";
import type { Logger } from "../logger";

/** The pool's bounds; each is a setting (WEB_DATABASE_*). */
export interface PoolLimits {
  /** Connections the pool may open. */
  connectionLimit: number;
  /** Borrowers that may wait for a connection; beyond it they are refused at once. */
  queueLimit: number;
  /** Longest wait for a connection, queue included. */
  acquireTimeoutMs: number;
}

export const defaultPoolLimits: PoolLimits = {
  connectionLimit: 10,
  queueLimit: 100,
  acquireTimeoutMs: 2_000,
};

/** The pool had no connection to lend in time: the database is saturated, not broken. */
export class DatabaseBusyError extends Error {
  constructor(readonly reason: "queue-full" | "wait-timeout") {
    super("the web app's database is busy; try again shortly");
    this.name = "DatabaseBusyError";
  }
}

/** True when `error`, or any error in its `cause` chain, is a DatabaseBusyError. */
export function isDatabaseBusy(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof Error && current.name === "DatabaseBusyError") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const busyScope = new AsyncLocalStorage<{ busy: boolean }>();

/**
 * Runs `work` (a better-auth request) and tells whether the pool refused it a connection on the way:
 * better-auth answers such a failure with a plain 500, which the caller can then turn into a 503.
 */
export async function noticingBusy<T>(work: () => Promise<T>): Promise<{ result: T; busy: boolean }> {
  const scope = { busy: false };
  const result = await busyScope.run(scope, work);
  return { result, busy: scope.busy };
}

export interface AuthDatabase {
  /** The mysql2 pool, for maintenance and tests (it has no wait time-out of its own). */
  pool: Pool;
  /** What better-auth queries through: the same pool, with the wait time-out. */
  dialect: MysqlDialect;
}

/** Creates the database if it is missing (utf8mb4), then opens a bounded pool on it. */
export async function openAuthDatabase(
  url: string,
  limits: PoolLimits = defaultPoolLimits,
  log?: Pick<Logger, "warn">,
): Promise<AuthDatabase> {
  const target = parseDatabaseUrl(url, "WEB_DATABASE_URL");
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    connectTimeout: 5_000,
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
  const pool = createPool({
    ...target,
    charset: "utf8mb4_unicode_ci",
    // Dates are written and read as UTC, whatever the server's time zone.
    timezone: "Z",
    connectionLimit: limits.connectionLimit,
    queueLimit: limits.queueLimit,
    connectTimeout: 5_000,
  });
  const onRefused = busyReporter(log, 10_000);
  return {
    pool,
    dialect: new MysqlDialect({ pool: withAcquireTimeout(pool, limits.acquireTimeoutMs, onRefused) }),
  };
}

/** mysql2's callback pool under the promise one, as Kysely borrows from it, with a bounded wait. */
function withAcquireTimeout(
  pool: Pool,
  waitMs: number,
  onRefused: (reason: DatabaseBusyError["reason"]) => void,
): MysqlPool {
  const core = pool.pool;
  return {
    getConnection(callback) {
      let waiting = true;
      const refuse = (reason: DatabaseBusyError["reason"]) => {
        waiting = false;
        const scope = busyScope.getStore();
        if (scope) scope.busy = true;
        onRefused(reason);
        callback(new DatabaseBusyError(reason), undefined as never);
      };
      const timer = setTimeout(() => refuse("wait-timeout"), waitMs);
      core.getConnection((error, connection) => {
        // A borrower that gave up stays in mysql2's queue; the connection it gets goes straight back.
        if (!waiting) return connection?.release();
        clearTimeout(timer);
        if (error && error.message === "Queue limit reached.") return refuse("queue-full");
        waiting = false;
        callback(error, connection as never);
      });
    },
    end: (callback) => core.end(callback),
  };
}

/** Logs a busy pool's refusals once per interval and reason (the first at once), never one per request. */
function busyReporter(log: Pick<Logger, "warn"> | undefined, intervalMs: number) {
  if (!log) return () => undefined;
  const warn = createRateLimitedWarn(log.warn.bind(log), { intervalMs });
  return (reason: DatabaseBusyError["reason"]) =>
    warn(reason, "web database pool busy: requests refused with 503");
}
