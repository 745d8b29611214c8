/**
 * A MySQL ChatRepository on a throwaway database for one test file, with the statements it sends
 * (Drizzle's query log: begin and commit included), cleared before each test:
 *
 * ```ts
 * const mysql = mysqlRepositoryPerFile();
 * it("…", async () => { await mysql.repository.finishReply(…); expect(mysql.sent).toHaveLength(1); });
 * ```
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { testUsageMeter } from "./test-usage-meter.js";

export interface MysqlRepositoryPerFile {
  readonly database: TestDatabase;
  readonly repository: ChatRepository;
  /** The statements sent since the test began (empty it to watch one step). */
  readonly sent: string[];
}

export function mysqlRepositoryPerFile(): MysqlRepositoryPerFile {
  const sent: string[] = [];
  let opened: { database: TestDatabase; repository: ChatRepository } | undefined;
  const ready = () => {
    if (!opened) throw new Error("the database opens in beforeAll");
    return opened;
  };
  beforeAll(async () => {
    const database = await createTestDatabase({ onQuery: (sql) => sent.push(sql) });
    opened = { database, repository: createMysqlChatRepository(database.db, testUsageMeter) };
  });
  afterAll(() => opened?.database.drop());
  beforeEach(() => {
    sent.length = 0;
  });
  return {
    get database() {
      return ready().database;
    },
    get repository() {
      return ready().repository;
    },
    sent,
  };
}
