/**
 * Statements built once. Drizzle builds a query's SQL from its builder on every run: each column and
 * value becomes a chain of small objects, then strings joined. For the statements every turn makes
 * (its INSERTs, its final write) that was a third of everything a turn allocated, and the collector's
 * work for it ran beside every stream (docs/benchmarks.md, "Statements built once"). So those are
 * built once, with a placeholder where each value goes, and a run only puts the values in order.
 *
 * A read built once (`readOnce`) also decodes its rows itself, for the one read on the path to every
 * first token. A built statement runs on the pool, or on the connection of a transaction opened with
 * `inTransaction`, where Drizzle's builders run too.
 */
import {
  Column,
  getTableColumns,
  is,
  Param,
  Placeholder,
  sql,
  Table,
  type SQL,
  type SQLWrapper,
} from "drizzle-orm";
import { MySqlDialect, type MySqlColumn, type MySqlTable } from "drizzle-orm/mysql-core";
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
  const { text, fill } = built(query);
  return {
    sql: text,
    run: async (target, values) => {
      const [result] = await target.query(text, fill(values));
      return result as ResultSetHeader;
    },
  };
}

/** A query's SQL, and how a run's values fill its parameters in order (see buildOnce). */
function built(query: SQLWrapper): { text: string; fill: (values: Record<string, unknown>) => unknown[] } {
  const { sql: text, params } = dialect.sqlToQuery(query.getSQL());
  const slots: Slot[] = params.map((param) => {
    if (is(param, Placeholder)) return { name: param.name, encode: null };
    if (is(param, Param) && is(param.value, Placeholder)) {
      const { encoder } = param;
      return { name: param.value.name, encode: (value) => encoder.mapToDriverValue(value) };
    }
    return { fixed: param };
  });
  const fill = (values: Record<string, unknown>) =>
    slots.map((slot) => {
      if ("fixed" in slot) return slot.fixed;
      if (!(slot.name in values)) throw new Error(`no value for the statement's placeholder "${slot.name}"`);
      const value = values[slot.name];
      return value === null || value === undefined || !slot.encode ? (value ?? null) : slot.encode(value);
    });
  return { text, fill };
}

/**
 * `column`'s value in a statement built once: a placeholder the run fills from its value `name`, encoded
 * as the column's builder would encode it (a Date for a timestamp column).
 */
export function placeholderFor(name: string, column: MySqlColumn): SQLWrapper {
  return sql.param(sql.placeholder(name), column);
}

/** `column = ?, ...` over the named columns of `table`, each value the placeholder named after its column. */
export function assignments<Table extends MySqlTable>(
  table: Table,
  columnNames: readonly (keyof Table["_"]["columns"] & string)[],
): SQL {
  const columns: Record<string, MySqlColumn> = getTableColumns(table);
  return sql.join(
    columnNames.map((name) => sql`${columns[name]} = ${placeholderFor(name, columns[name]!)}`),
    sql`, `,
  );
}

/** What a read selects under each key: a column, or a table's or an object's columns as one object. */
type ReadSelection = Record<string, MySqlColumn | MySqlTable | Record<string, MySqlColumn>>;

/** A read's SQL, built once, and its rows as the query's builder types them. */
export interface BuiltRead<Row> {
  readonly sql: string;
  run(target: StatementTarget, values: Record<string, unknown>): Promise<Row[]>;
}

/** Where a selected column's value goes in a row: under its key, or its object's key and its own. */
interface ReadField {
  key: string;
  inner: string | null;
  column: Column;
}

/**
 * A SELECT built once (as `buildOnce`), its rows decoded here. Drizzle maps a read's rows field by
 * field: a type check per field, and a callback per field from the driver to keep dates as text. For the
 * turn's history read (50 rows of 32 columns) that cost more CPU than the query itself, on the path to
 * every first token (docs/benchmarks.md, "The history read decoded by its columns"). Here the driver
 * returns each row as an array, dates as text as Drizzle asks for them, and each value is decoded by its
 * own column's `mapFromDriverValue`, as Drizzle would. An object of columns whose values are all null
 * reads as null: what a left join that matched no row gives (Drizzle's rule looks at its first column;
 * select a non-null column of the joined table for the two to agree).
 *
 * `build` gets `select` and builds the query on it, its values `sql.placeholder`s.
 */
export function readOnce<Query extends SQLWrapper & { readonly _: { readonly result: readonly unknown[] } }>(
  build: (
    select: <Selection extends ReadSelection>(selection: Selection) => SelectBuilder<Selection>,
  ) => Query,
): BuiltRead<Query["_"]["result"][number]> {
  let fields: ReadField[] = [];
  const query = build((selection) => {
    fields = Object.entries(selection).flatMap(([key, selected]): ReadField[] => {
      if (is(selected, Column)) return [{ key, inner: null, column: selected }];
      const columns: Record<string, unknown> = is(selected, Table) ? getTableColumns(selected) : selected;
      return Object.entries(columns).map(([inner, column]) => {
        if (!is(column, Column)) throw new Error(`readOnce reads columns; "${key}.${inner}" is not one`);
        return { key, inner, column };
      });
    });
    return builder.select(selection);
  });
  if (fields.length === 0) throw new Error("readOnce: build the query on the select it is given");
  const { text, fill } = built(query);
  const objectKeys = [...new Set(fields.flatMap(({ key, inner }) => (inner === null ? [] : [key])))];
  const readRow = (values: unknown[]) => {
    const row: Record<string, unknown> = {};
    const filled = new Set<string>();
    fields.forEach(({ key, inner, column }, i) => {
      const raw = values[i];
      const value = raw === null || raw === undefined ? null : column.mapFromDriverValue(raw);
      if (inner === null) return void (row[key] = value);
      ((row[key] ??= {}) as Record<string, unknown>)[inner] = value;
      if (value !== null) filled.add(key);
    });
    for (const key of objectKeys) if (!filled.has(key)) row[key] = null;
    return row as Query["_"]["result"][number];
  };
  const options = { sql: text, rowsAsArray: true, dateStrings: true };
  return {
    sql: text,
    run: async (target, values) => {
      const [rows] = await target.query(options, fill(values));
      return (rows as unknown[][]).map(readRow);
    },
  };
}

type SelectBuilder<Selection extends ReadSelection> = ReturnType<typeof builder.select<Selection>>;

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
 * connection (each loan wraps it anew): a transaction does not build a handle of its own.
 */
const handles = new WeakMap<object, MySql2Database>();

function handleOn(connection: PoolConnection): MySql2Database {
  const key = connection.connection;
  let handle = handles.get(key);
  if (!handle) handles.set(key, (handle = drizzle({ client: connection })));
  return handle;
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
