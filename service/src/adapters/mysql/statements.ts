/**
 * Statements built once. Drizzle builds a query's SQL from its builder on every run: each column and
 * value becomes a chain of small objects, then strings joined. For the statements every turn makes
 * (its INSERTs, its final write) that was a third of everything a turn allocated, and the collector's
 * work for it ran beside every stream (docs/benchmarks.md, "Statements built once"). So those are
 * built once, with a placeholder where each value goes, and a run only puts the values in order.
 *
 * A built statement runs on the pool, or on the connection of a transaction opened with
 * `inTransaction`, where Drizzle's builders run too.
 */
import { is, Param, Placeholder, sql, type SQLWrapper } from "drizzle-orm";
import { MySqlDialect, type MySqlTable } from "drizzle-orm/mysql-core";
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import type { Pool, PoolConnection, ResultSetHeader } from "mysql2/promise";
import type { ChatDatabase } from "./database.js";

/** What a built statement runs on: the pool (a connection borrowed for the one statement) or a connection. */
export type StatementTarget = Pick<Pool | PoolConnection, "query">;

/** How one parameter gets its value: from the run's values (encoded as its column would), or fixed. */
type Slot = { name: string; encode: ((value: unknown) => unknown) | null } | { fixed: unknown };

/**
 * For a compile-time check beside a statement built over a fixed column list: `true` while every key of
 * `Keys` is in `Listed`, `never` once one is missing, so `const checked: EveryColumnListed<…> = true`
 * stops compiling. A builder writes whatever columns its row has; a statement built once would drop a
 * column added to the row later without a word.
 */
export type EveryColumnListed<Keys, Listed> = [Exclude<Keys, Listed>] extends [never] ? true : never;

/** A statement's SQL, built once, and how to fill its parameters from a run's values. */
export interface BuiltStatement<Values> {
  readonly sql: string;
  run(target: StatementTarget, values: Values): Promise<ResultSetHeader>;
}

const dialect = new MySqlDialect();

/**
 * Builds `query` — a Drizzle builder or `sql` template whose values are `sql.placeholder(name)` — once.
 * A run takes each placeholder's value from `values` by name, encoded by its column where the builder
 * bound it to one (a Date for a timestamp column, as the builder would have), null as NULL.
 */
export function buildOnce<Values extends Record<string, unknown>>(query: SQLWrapper): BuiltStatement<Values> {
  const { sql: text, params } = dialect.sqlToQuery(query.getSQL());
  const slots: Slot[] = params.map((param) => {
    if (is(param, Placeholder)) return { name: param.name, encode: null };
    if (is(param, Param) && is(param.value, Placeholder)) {
      const { encoder } = param;
      return { name: param.value.name, encode: (value) => encoder.mapToDriverValue(value) };
    }
    return { fixed: param };
  });
  return {
    sql: text,
    run: async (target, values) => {
      const filled = slots.map((slot) => {
        if ("fixed" in slot) return slot.fixed;
        if (!(slot.name in values))
          throw new Error(`no value for the statement's placeholder "${slot.name}"`);
        const value = values[slot.name];
        return value === null || value === undefined || !slot.encode ? (value ?? null) : slot.encode(value);
      });
      const [result] = await target.query(text, filled);
      return result as ResultSetHeader;
    },
  };
}

/** Builds statements; never runs one. */
const builder = drizzle.mock();

/** An INSERT of `rowCount` rows, built once: `run` takes the rows' values of `columns`. */
export interface BuiltInsert<Row> {
  readonly sql: string;
  run(target: StatementTarget, rows: readonly Row[]): Promise<ResultSetHeader>;
}

/**
 * An INSERT into `table` of `rowCount` rows, each giving `columns` (a missing or undefined value is
 * NULL); the table's other columns take their defaults. Values are encoded as the insert builder would.
 */
export function insertOnce<Table extends MySqlTable, Column extends keyof Table["$inferInsert"] & string>(
  table: Table,
  columns: readonly Column[],
  rowCount: number,
): BuiltInsert<Partial<Pick<Table["$inferInsert"], Column>>> {
  const name = (row: number, column: string) => `${row}:${column}`;
  const placeholders = Array.from({ length: rowCount }, (_, row) =>
    Object.fromEntries(columns.map((column) => [column, sql.placeholder(name(row, column))])),
  );
  const statement = buildOnce<Record<string, unknown>>(
    builder.insert(table).values(placeholders as Table["$inferInsert"][]),
  );
  const names = Array.from({ length: rowCount }, (_, row) => columns.map((column) => name(row, column)));
  return {
    sql: statement.sql,
    run: async (target, rows) => {
      if (rows.length !== rowCount) throw new Error(`built for ${rowCount} rows, given ${rows.length}`);
      const values: Record<string, unknown> = {};
      rows.forEach((row, index) => {
        columns.forEach((column, i) => (values[names[index]![i]!] = row[column]));
      });
      return statement.run(target, values);
    },
  };
}

/**
 * Drizzle handles on the pool's connections, one for each connection's life, keyed by the driver's
 * connection (each loan wraps it anew): a transaction does not build a handle of its own, and a query
 * prepared on a handle (`preparedOn`) is built once per connection, not once per run.
 */
const handles = new WeakMap<object, MySql2Database>();

function handleOn(connection: PoolConnection): MySql2Database {
  const key = connection.connection;
  let handle = handles.get(key);
  if (!handle) handles.set(key, (handle = drizzle({ client: connection })));
  return handle;
}

/**
 * `prepare(handle)`'s query — a Drizzle builder ending in `.prepare()`, its values `sql.placeholder`s —
 * built once per connection handle and kept with it. For reads, whose rows Drizzle maps (`buildOnce` is
 * for writes).
 */
export function preparedOn<Prepared>(prepare: (handle: MySql2Database) => Prepared) {
  const prepared = new WeakMap<MySql2Database, Prepared>();
  return (handle: MySql2Database): Prepared => {
    let query = prepared.get(handle);
    if (query === undefined) prepared.set(handle, (query = prepare(handle)));
    return query;
  };
}

/**
 * Runs `work` in one transaction on a connection of the pool's: `tx` is a Drizzle handle on that
 * connection (its builders run inside the transaction) and `connection` is where built statements run
 * to be part of it. Commits when `work` resolves; rolls back, releases and rethrows when it throws.
 * Drizzle's own `transaction()` keeps its connection to itself, so a statement built once could not
 * join it.
 */
export async function inTransaction<T>(
  db: ChatDatabase,
  work: (tx: MySql2Database, connection: PoolConnection) => Promise<T>,
): Promise<T> {
  const connection = await db.$client.getConnection();
  try {
    await connection.query("begin");
    const result = await work(handleOn(connection), connection);
    await connection.query("commit");
    return result;
  } catch (error) {
    // The error that ended the transaction is the one to report. A ROLLBACK that fails too (on a
    // connection the statement timeout destroyed) leaves nothing open: the server rolls back a session
    // that ends.
    await connection.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}
