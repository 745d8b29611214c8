/**
 * Database metrics from the mysql2 pool: how long each statement takes (by operation), how many requests
 * waited for a connection, and the pool's busy/idle/queued counts at scrape time. It reads the pool's
 * own bookkeeping (mysql2 keeps no public counters) and times statements on each pooled connection.
 */
import type { Pool } from "mysql2/promise";
import type { ServiceMetrics } from "../metrics/service-metrics.js";

/** The fields of mysql2's core pool read here (not in its types). */
interface CorePool {
  on(event: "enqueue", listener: () => void): void;
  on(event: "connection", listener: (connection: CoreConnection) => void): void;
  _allConnections: { length: number; toArray(): CoreConnection[] };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
}

type Command = { once(event: "end", listener: () => void): unknown };
interface CoreConnection {
  query(...args: unknown[]): Command;
  execute(...args: unknown[]): Command;
}

const timed = new WeakSet<CoreConnection>();

/** Observes `pools` (the main one and the turns' one: see createDatabase) as one: their counts add up. */
export function observePool(pools: readonly Pool[], metrics: ServiceMetrics): void {
  const cores = pools.map((pool) => (pool as unknown as { pool: CorePool }).pool);
  for (const core of cores) {
    core.on("enqueue", () => metrics.poolWaits.inc());
    core.on("connection", (connection) => timeStatements(connection, metrics));
    for (const connection of core._allConnections.toArray()) timeStatements(connection, metrics);
  }
  metrics.sources.pool = () => {
    const counts = { busy: 0, idle: 0, queued: 0 };
    for (const core of cores) {
      const idle = core._freeConnections.length;
      counts.busy += core._allConnections.length - idle;
      counts.idle += idle;
      counts.queued += core._connectionQueue.length;
    }
    return counts;
  };
}

function timeStatements(connection: CoreConnection, metrics: ServiceMetrics): void {
  if (timed.has(connection)) return;
  timed.add(connection);
  for (const name of ["query", "execute"] as const) {
    const send = connection[name].bind(connection);
    connection[name] = (...args: unknown[]) => {
      const stop = metrics.queryDuration.startTimer({ operation: operationOf(args[0]) });
      const command = send(...args);
      command.once("end", () => stop());
      return command;
    };
  }
}

/** The statement's first keyword, from a closed set. */
function operationOf(statement: unknown): string {
  const sql = typeof statement === "string" ? statement : (statement as { sql?: unknown } | null)?.sql;
  const keyword = typeof sql === "string" ? /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() : undefined;
  return keyword && ["select", "insert", "update", "delete"].includes(keyword) ? keyword : "other";
}
