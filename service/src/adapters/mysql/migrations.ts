/** Applying the committed drizzle-kit migrations from code, as the service starts or `migrate` runs. */
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import type { Pool, RowDataPacket } from "mysql2/promise";

/**
 * The folder beside this module: `src/adapters/mysql/migrations` when run from source (vitest, tsx),
 * `dist/adapters/mysql/migrations` in tsc's build and `dist/migrations` in the bundled service
 * (`dist/main.js`); `npm run build` copies it to both (scripts/copy-migrations.js).
 */
export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** How long a starting replica waits for another one that is migrating the same database. */
const lockWaitSeconds = 60;

/**
 * Brings the schema up to date (drizzle-orm's migrator: it records applied migrations in
 * `__drizzle_migrations` and reports SQL errors, unlike `drizzle-kit migrate`).
 *
 * Takes the plain pool, not the one with the statement timeout: DDL on a large table may rightly take
 * longer than any request should. Replicas starting together would race to CREATE the same tables, so the
 * work runs under a server-wide named lock (GET_LOCK works alike on MySQL 8 and MariaDB). The lock belongs
 * to the session that took it, so the migrations run on that same connection (which also lets a pool of
 * one connection migrate).
 */
export async function applyMigrations(pool: Pool, databaseName: string): Promise<void> {
  // Lock names are server-wide and at most 64 characters: one lock per database.
  const lockName = `parley_migrate:${databaseName}`.slice(0, 64);
  const connection = await pool.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>("SELECT GET_LOCK(?, ?) AS locked", [
      lockName,
      lockWaitSeconds,
    ]);
    if (rows[0]?.["locked"] !== 1) throw new Error(`timed out waiting for the migration lock ${lockName}`);
    try {
      await migrate(drizzle({ client: connection }), { migrationsFolder });
    } finally {
      // A failure here must not hide the migration's own error; the lock dies with the session anyway.
      await connection.query("SELECT RELEASE_LOCK(?)", [lockName]).catch(() => undefined);
    }
  } finally {
    connection.release();
  }
}
