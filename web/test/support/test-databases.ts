/**
 * Throwaway databases on the test MySQL/MariaDB server (TEST_DATABASE_URL, default the CI's
 * `mysql://root@127.0.0.1:3306`): unique `parley_test_*` names (CI sweeps leftovers), dropped after.
 */
import { randomBytes } from "node:crypto";
import { testServerUrl } from "@parley/test-support";
import { createConnection } from "mysql2/promise";

/** A fresh database name and its URL; the database itself is created by whoever opens it. */
export function uniqueDatabase(kind: "svc" | "web"): { name: string; url: string } {
  const name = `parley_test_${kind}_${randomBytes(5).toString("hex")}`;
  return { name, url: `${testServerUrl()}/${name}` };
}

export async function dropDatabase(name: string): Promise<void> {
  if (!/^parley_test_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const url = new URL(testServerUrl());
  const connection = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || "root"),
    password: decodeURIComponent(url.password),
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}

/** Runs one query on a database (e.g. to read a user's id from the web app's own tables). */
export async function queryDatabase<T>(
  databaseUrl: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const url = new URL(databaseUrl);
  const connection = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || "root"),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
  });
  try {
    const [rows] = await connection.query(sql, values);
    return rows as T[];
  } finally {
    await connection.end();
  }
}
