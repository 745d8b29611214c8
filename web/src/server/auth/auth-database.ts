/**
 * The web app's own database: users, sessions, accounts and verifications only (the service keeps the
 * conversations). Created with utf8mb4 when missing; better-auth's tables are migrated by `createAuth`.
 */
import "server-only";
import { createConnection, createPool, type Pool } from "mysql2/promise";

interface DatabaseTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const databaseName = /^[A-Za-z0-9_$-]{1,64}$/;

/** Parses `mysql://user:password@host:port/database`; errors never echo the URL (it holds the password). */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const shape = "WEB_DATABASE_URL must look like mysql://user:password@host:3306/database";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(shape);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (parsed.protocol !== "mysql:" || !parsed.hostname || !parsed.username || !databaseName.test(database)) {
    throw new Error(shape);
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/** Creates the database if it is missing (utf8mb4), then opens a small pool on it. */
export async function openAuthDatabase(url: string): Promise<Pool> {
  const target = parseDatabaseUrl(url);
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
  return createPool({
    ...target,
    charset: "utf8mb4_unicode_ci",
    // Dates are written and read as UTC, whatever the server's time zone.
    timezone: "Z",
    connectionLimit: 10,
    queueLimit: 100,
    connectTimeout: 5_000,
  });
}
