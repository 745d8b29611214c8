/**
 * The web app's own database: users, sessions, accounts and verifications only (the service keeps the
 * conversations). Created with utf8mb4 when missing; better-auth's tables are migrated by `createAuth`.
 */
import "server-only";
import { parseDatabaseUrl } from "@parley/mysql-url";
import { createConnection, createPool, type Pool } from "mysql2/promise";

/** Creates the database if it is missing (utf8mb4), then opens a small pool on it. */
export async function openAuthDatabase(url: string): Promise<Pool> {
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
