/** Opening the chat store: the database (created if missing), a bounded pool, and an up-to-date schema. */
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import { createConnection, createPool, escapeId, type Pool, type RowDataPacket } from "mysql2/promise";
import { parseDatabaseUrl, type DatabaseTarget } from "@parley/mysql-url";
import { createRateLimitedWarn } from "@parley/log-line";
import type { Logger } from "../../application/ports.js";
import { applyMigrations } from "./migrations.js";
import { withQueryTimeout } from "./query-timeout.js";
import { withStorageErrors } from "./storage-errors.js";

/**
 * The Drizzle handle the repository works through (no relational schema: plain query builders only),
 * over the pool (`$client`, with the statement timeout) that statements built once run on.
 */
export type ChatDatabase = MySql2Database & { $client: Pool };

/** Knobs with defaults sized for one service instance beside a local database. */
export interface DatabaseOptions {
  /** Connections the pool may open. Default 10. */
  connectionLimit?: number;
  /** Requests that may wait for a busy pool; beyond it they fail at once. Default 100. */
  queueLimit?: number;
  /**
   * Longest wait for a connection from a busy pool; then the request fails with `storage.unavailable`.
   * Default 2000 ms: a statement takes milliseconds, so a longer wait means the store is saturated, and a
   * prompt UNAVAILABLE (which clients retry) beats piling up requests behind it.
   */
  acquireTimeoutMs?: number;
  /** Where refusals of a busy pool are reported, at most once per `busyLogIntervalMs`. */
  logger?: Pick<Logger, "warn">;
  /** Default 10 000 ms. */
  busyLogIntervalMs?: number;
  /** How long to wait for a TCP connection and handshake. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Longest any single statement may run (migrations excepted). Default 10 000 ms. */
  queryTimeoutMs?: number;
  /** Apply pending migrations before returning. Default true; `migrate-cli` is the other way. */
  migrate?: boolean;
  /**
   * Called with each statement sent through the pool — Drizzle's and those built once (statements.ts) —
   * its SQL, never its parameters: logging, metrics, tests.
   */
  onQuery?: (sql: string) => void;
}

/** An open store. `close()` ends the pool; `ping()` throws `storage.unavailable` when the server is gone. */
export interface Database {
  db: ChatDatabase;
  /** The mysql2 pool underneath, without the statement timeout: for tests and maintenance queries. */
  pool: Pool;
  /** The database's name, from the URL. */
  name: string;
  close(): Promise<void>;
  ping(): Promise<void>;
}

/**
 * Opens the database at `url` (`mysql://user:password@host:port/database`): creates it with utf8mb4 if
 * it is missing, opens a bounded pool and applies migrations. Fails with `storage.unavailable` (the driver
 * error as cause) when the server cannot be reached, and with a plain Error for a malformed URL.
 */
export async function createDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const target = parseDatabaseUrl(url);
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  const queryTimeout = options.queryTimeoutMs ?? 10_000;
  await withStorageErrors(() => ensureDatabaseExists(target, connectTimeout, queryTimeout));

  const pool = createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: options.connectionLimit ?? 10,
    maxIdle: options.connectionLimit ?? 10,
    idleTimeout: 60_000,
    queueLimit: options.queueLimit ?? 100,
    connectTimeout,
    enableKeepAlive: true,
    // The connection's collation is the one our columns use, so comparisons never mix collations.
    charset: "UTF8MB4_UNICODE_CI",
    // Drizzle reads and writes datetime columns as UTC strings itself; this makes any Date that goes
    // through the driver directly (raw queries, tests) UTC as well, whatever the process's TZ.
    timezone: "Z",
    // No stack captured per statement for its error's trace: ~30 µs on every statement of every turn
    // (docs/benchmarks.md, "What a turn's statements cost"). Our errors name the statement's purpose
    // (storage-errors.ts, the query-timeout wrapper), not the driver's call site.
    trace: false,
  });
  const timedPool = withQueryTimeout(
    pool,
    queryTimeout,
    {
      waitMs: options.acquireTimeoutMs ?? 2_000,
      onRefused: busyReporter(options.logger, options.busyLogIntervalMs ?? 10_000),
    },
    options.onQuery,
  );
  const db = drizzle({ client: timedPool });

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= pool.end());
  if (options.migrate ?? true) {
    try {
      await withStorageErrors(() => applyMigrations(pool, target.database));
    } catch (error) {
      await close().catch(() => undefined);
      throw error;
    }
  }
  return {
    db,
    pool,
    name: target.database,
    close,
    ping: () =>
      withStorageErrors(async () => {
        // Through the timed pool: a ping that times out must not leave its connection stuck for the next.
        await timedPool.query({ sql: "SELECT 1", timeout: connectTimeout });
      }),
  };
}

/** Logs a busy pool's refusals once per interval and reason (the first at once), never one per request. */
function busyReporter(logger: Pick<Logger, "warn"> | undefined, intervalMs: number) {
  if (!logger) return () => undefined;
  const warn = createRateLimitedWarn(logger.warn.bind(logger), { intervalMs });
  return (reason: "queue-full" | "wait-timeout") =>
    warn(reason, "database pool busy: requests refused with storage.unavailable");
}

/**
 * Creates the database when it is missing, explicitly utf8mb4 (a server's default may be latin1).
 * It looks first, so a user allowed into its own database but not to create databases still starts.
 */
async function ensureDatabaseExists(
  target: DatabaseTarget,
  connectTimeout: number,
  timeout: number,
): Promise<void> {
  const { database, ...server } = target;
  const connection = await createConnection({ ...server, connectTimeout, charset: "UTF8MB4_UNICODE_CI" });
  try {
    const [rows] = await connection.query<RowDataPacket[]>({
      sql: "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
      values: [database],
      timeout,
    });
    if (rows.length === 0) {
      await connection.query({
        sql: `CREATE DATABASE IF NOT EXISTS ${escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        timeout,
      });
    }
  } catch (error) {
    // After a failure (a timeout above all) the server may never answer a polite goodbye.
    connection.destroy();
    throw error;
  }
  await connection.end().catch(() => connection.destroy());
}
