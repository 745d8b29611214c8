import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { RowDataPacket } from "mysql2/promise";
import { testServerUrl } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/adapters/mysql/database.js";
import { migrationsFolder } from "../../src/adapters/mysql/migrations.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { aChat, aTurn } from "../support/chat-builders.js";

const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
  entries: unknown[];
};

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function rows(sql: string, values: unknown[] = []): Promise<RowDataPacket[]> {
  const [result] = await database.pool.query<RowDataPacket[]>(sql, values);
  return result;
}

describe("createDatabase on a fresh database", () => {
  it("creates it as utf8mb4 and applies every migration", async () => {
    expect(
      await rows(
        "SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        [database.name],
      ),
    ).toEqual([{ charset: "utf8mb4", collation: "utf8mb4_unicode_ci" }]);
    expect(await rows("SELECT COUNT(*) AS n FROM __drizzle_migrations")).toEqual([
      { n: journal.entries.length },
    ]);
  });

  it("gives every text column of ours an explicit utf8mb4 character set", async () => {
    const columns = await rows(
      `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName, CHARACTER_SET_NAME AS charset
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('chats', 'messages') AND CHARACTER_SET_NAME IS NOT NULL`,
      [database.name],
    );
    expect(columns.length).toBeGreaterThanOrEqual(10);
    expect(columns.filter((column) => column["charset"] !== "utf8mb4")).toEqual([]);
  });

  it("changes nothing when opened again", async () => {
    const before = await rows("SHOW CREATE TABLE messages");
    const again = await createDatabase(database.url);
    await again.close();
    expect(await rows("SHOW CREATE TABLE messages")).toEqual(before);
    expect(await rows("SELECT COUNT(*) AS n FROM __drizzle_migrations")).toEqual([
      { n: journal.entries.length },
    ]);
  });

  it("lets replicas that start together migrate once", async () => {
    const name = `${database.name}_twins`;
    const opened = await Promise.allSettled(
      [1, 2, 3].map(() => createDatabase(`${testServerUrl()}/${name}`)),
    );
    const twins = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    try {
      expect(opened.filter((result) => result.status === "rejected")).toEqual([]);
      const [count] = await database.pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM \`${name}\`.__drizzle_migrations`,
      );
      expect(count).toEqual([{ n: journal.entries.length }]);
    } finally {
      await Promise.all(twins.map((twin) => twin.close()));
      await database.pool.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  });
});

describe("createDatabase refusing", () => {
  it("a malformed URL, without echoing the password", async () => {
    for (const url of [
      "not a url",
      "postgres://u:secret@h/db",
      "mysql://u:secret@h/",
      "mysql://u:secret@h/bad.name",
    ]) {
      const failure = createDatabase(url);
      await expect(failure).rejects.toThrow(/DATABASE_URL must look like/);
      await expect(failure).rejects.not.toThrow(/secret/);
    }
  });

  it("an unreachable server, fast, as storage.unavailable", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const failure = createDatabase(`mysql://root@127.0.0.1:${closedPort}/parley_unreachable`);

    await expect(failure).rejects.toMatchObject({
      code: "storage.unavailable",
      message: "the chat store is unavailable; try again shortly",
      cause: expect.objectContaining({ code: "ECONNREFUSED" }),
    });
  });
});

describe("time", () => {
  it("stores and returns datetimes in UTC, whatever the process's time zone", async () => {
    const zone = process.env["TZ"];
    process.env["TZ"] = "Asia/Kathmandu"; // +05:45: no whole-hour coincidence can hide a shift
    try {
      const repository = createMysqlChatRepository(database, testUsageMeter);
      const at = new Date("2024-03-10T23:59:59.987Z");
      const chat = aChat({ createdAt: at, updatedAt: at });
      await repository.startTurn(aTurn(chat, { now: at }));

      expect(
        await rows(
          "SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') AS stored FROM chats WHERE id = ?",
          [chat.id],
        ),
      ).toEqual([{ stored: "2024-03-10 23:59:59.987000" }]);
      const found = await repository.findChat(chat.userId, chat.id);
      expect(found?.createdAt.toISOString()).toBe(at.toISOString());
      // Through the driver directly too (raw queries): the pool is set to UTC.
      expect((await rows("SELECT created_at FROM chats WHERE id = ?", [chat.id]))[0]?.["created_at"]).toEqual(
        at,
      );
    } finally {
      if (zone === undefined) delete process.env["TZ"];
      else process.env["TZ"] = zone;
    }
  });
});

describe("ping", () => {
  it("resolves while the server answers", async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });
});
