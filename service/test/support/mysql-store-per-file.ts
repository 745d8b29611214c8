/**
 * A store over MySQL/MariaDB on a throwaway database for one test file, with the statements it sends
 * (the pool's statement log: begin and commit included), cleared before each test:
 *
 * ```ts
 * const mysql = mysqlStorePerFile((database) => createMysqlApiKeyStore(database.db));
 * it("…", async () => { await mysql.store.touch(…); expect(mysql.sent).toHaveLength(1); });
 * ```
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export interface MysqlStorePerFile<Store> {
  readonly database: TestDatabase;
  readonly store: Store;
  /** The statements sent since the test began (empty it to watch one step). */
  readonly sent: string[];
}

export function mysqlStorePerFile<Store>(open: (database: TestDatabase) => Store): MysqlStorePerFile<Store> {
  const sent: string[] = [];
  let opened: { database: TestDatabase; store: Store } | undefined;
  const ready = () => {
    if (!opened) throw new Error("the database opens in beforeAll");
    return opened;
  };
  beforeAll(async () => {
    const database = await createTestDatabase({ onQuery: (sql) => sent.push(sql) });
    opened = { database, store: open(database) };
  });
  afterAll(() => opened?.database.drop());
  beforeEach(() => {
    sent.length = 0;
  });
  return {
    get database() {
      return ready().database;
    },
    get store() {
      return ready().store;
    },
    sent,
  };
}
