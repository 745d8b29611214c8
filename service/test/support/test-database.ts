/**
 * A throwaway MySQL/MariaDB database per test file, created and migrated by the real `createDatabase`.
 *
 * ```ts
 * let database: TestDatabase;
 * beforeAll(async () => (database = await createTestDatabase()));
 * afterAll(() => database.drop());
 * // database.db (Drizzle), database.pool (mysql2), database.url (for code that opens its own), ...
 * ```
 *
 * The server comes from TEST_DATABASE_URL (default `mysql://root@127.0.0.1:3306`, the CI's MariaDB);
 * the user needs the right to create and drop databases.
 */
import { randomBytes } from "node:crypto";
import { testServerUrl } from "@parley/test-support";
import { createDatabase, type Database, type DatabaseOptions } from "../../src/adapters/mysql/database.js";

/** An open, migrated, uniquely named database; `drop()` closes the pool and removes the database. */
export interface TestDatabase extends Database {
  /** A URL to the same database, for code under test that opens its own connection. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `parley_test_<random>` (utf8mb4) and applies the migrations. Options go to `createDatabase`
 * (e.g. a small `queueLimit`, or `onQuery` to watch the statements sent).
 */
export async function createTestDatabase(options: DatabaseOptions = {}): Promise<TestDatabase> {
  const url = `${testServerUrl()}/parley_test_${randomBytes(6).toString("hex")}`;
  const database = await createDatabase(url, options);
  return {
    ...database,
    url,
    async drop() {
      try {
        // `name` came out of our own pattern above, so it needs no quoting beyond the backticks.
        await database.pool.query(`DROP DATABASE IF EXISTS \`${database.name}\``);
      } finally {
        await database.close();
      }
    },
  };
}
