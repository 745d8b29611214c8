// Statements built once (statements.ts) against a real MariaDB: each run writes its own values, encoded
// as Drizzle's builders encode them; a read built once gives the rows Drizzle's builder gives; a
// transaction opened with inTransaction holds both built statements and builders, and rolls both back on
// a failure; the pool's statement log hears them without values.
import { and, asc, eq, sql } from "drizzle-orm";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageDaily, userLimits } from "../../src/adapters/mysql/schema.js";
import {
  assignments,
  buildOnce,
  inTransaction,
  insertOnce,
  readOnce,
} from "../../src/adapters/mysql/statements.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

let database: TestDatabase;
const sent: string[] = [];
beforeAll(async () => {
  // One connection: a transaction that did not give its connection back would stall the next test.
  database = await createTestDatabase({ connectionLimit: 1, onQuery: (statement) => sent.push(statement) });
});
afterAll(() => database.drop());

const at = new Date("2026-12-06T08:00:00.125Z");
const insertTwo = insertOnce(userLimits, ["userId", "dailyTokens", "updatedAt"], 2);

async function storedRows(...userIds: string[]) {
  const [rows] = await database.pool.query<RowDataPacket[]>(
    "select user_id, daily_tokens, blocked, cast(updated_at as char) as updated_at from user_limits where user_id in (?) order by user_id",
    [userIds],
  );
  return rows.map((row) => ({ ...row }));
}

describe("insertOnce", () => {
  it("writes each run's rows: dates as the timestamp column stores them, a missing value as NULL, other columns their defaults", async () => {
    await insertTwo.run(database.db.$client, [
      { userId: "ins-a", dailyTokens: 500, updatedAt: at },
      { userId: "ins-b", updatedAt: at },
    ]);
    await insertTwo.run(database.db.$client, [
      { userId: "ins-c", dailyTokens: 7, updatedAt: new Date("2026-01-02T03:04:05.000Z") },
      { userId: "ins-d", dailyTokens: 0, updatedAt: at },
    ]);
    expect(await storedRows("ins-a", "ins-b", "ins-c", "ins-d")).toEqual([
      { user_id: "ins-a", daily_tokens: 500, blocked: 0, updated_at: "2026-12-06 08:00:00.125" },
      { user_id: "ins-b", daily_tokens: null, blocked: 0, updated_at: "2026-12-06 08:00:00.125" },
      { user_id: "ins-c", daily_tokens: 7, blocked: 0, updated_at: "2026-01-02 03:04:05.000" },
      { user_id: "ins-d", daily_tokens: 0, blocked: 0, updated_at: "2026-12-06 08:00:00.125" },
    ]);
    // What a builder reads back is the same Date.
    const [read] = await database.db.select().from(userLimits).where(eq(userLimits.userId, "ins-a"));
    expect(read?.updatedAt).toEqual(at);
  });

  it("refuses rows it was not built for, before anything is sent", async () => {
    sent.length = 0;
    await expect(
      insertTwo.run(database.db.$client, [{ userId: "ins-e", dailyTokens: 1, updatedAt: at }]),
    ).rejects.toThrow("built for 2 rows, given 1");
    expect(sent).toEqual([]);
    expect(await storedRows("ins-e")).toEqual([]);
  });

  it("the pool's statement log hears its SQL, placeholders and not values", async () => {
    sent.length = 0;
    await insertTwo.run(database.db.$client, [
      { userId: "ins-secret-1", dailyTokens: 1, updatedAt: at },
      { userId: "ins-secret-2", dailyTokens: 2, updatedAt: at },
    ]);
    expect(sent).toEqual([insertTwo.sql]);
    expect(insertTwo.sql).toContain("?");
    expect(insertTwo.sql).not.toContain("ins-secret");
  });
});

describe("buildOnce", () => {
  const setDaily = buildOnce<{ tokens: number; userId: string }>(
    sql`update ${userLimits} set ${userLimits.dailyTokens} = ${sql.placeholder("tokens")} where ${eq(userLimits.userId, sql.placeholder("userId"))}`,
  );

  it("fills each placeholder by name on every run", async () => {
    await insertTwo.run(database.db.$client, [
      { userId: "upd-a", dailyTokens: 1, updatedAt: at },
      { userId: "upd-b", dailyTokens: 2, updatedAt: at },
    ]);
    const first = await setDaily.run(database.db.$client, { tokens: 10, userId: "upd-a" });
    const second = await setDaily.run(database.db.$client, { tokens: 20, userId: "upd-b" });
    expect([first.affectedRows, second.affectedRows]).toEqual([1, 1]);
    expect((await storedRows("upd-a", "upd-b")).map((row) => row.daily_tokens)).toEqual([10, 20]);
  });

  it("assignments sets the named columns, each from the value named after it, encoded by its column", async () => {
    const setTwo = buildOnce<{ dailyTokens: number; updatedAt: Date; userId: string }>(
      sql`update ${userLimits} set ${assignments(userLimits, ["dailyTokens", "updatedAt"])} where ${eq(userLimits.userId, sql.placeholder("userId"))}`,
    );
    expect(setTwo.sql).toBe(
      "update `user_limits` set `user_limits`.`daily_tokens` = ?, `user_limits`.`updated_at` = ? where `user_limits`.`user_id` = ?",
    );
    await insertTwo.run(database.db.$client, [
      { userId: "set-a", dailyTokens: 1, updatedAt: at },
      { userId: "set-b", dailyTokens: 2, updatedAt: at },
    ]);
    await setTwo.run(database.db.$client, {
      dailyTokens: 30,
      updatedAt: new Date("2026-03-04T05:06:07.089Z"),
      userId: "set-a",
    });
    expect(await storedRows("set-a", "set-b")).toEqual([
      { user_id: "set-a", daily_tokens: 30, blocked: 0, updated_at: "2026-03-04 05:06:07.089" },
      { user_id: "set-b", daily_tokens: 2, blocked: 0, updated_at: "2026-12-06 08:00:00.125" },
    ]);
  });

  it("a value left out is an error naming its placeholder, not a NULL written", async () => {
    await expect(
      setDaily.run(database.db.$client, { userId: "upd-a" } as unknown as { tokens: number; userId: string }),
    ).rejects.toThrow('no value for the statement\'s placeholder "tokens"');
    expect((await storedRows("upd-a"))[0]?.daily_tokens).toBe(10);
  });
});

describe("readOnce", () => {
  // A table, a column and an object of another table's columns, left-joined: every kind of value the
  // schema decodes (text, int, bigint as a number, boolean, a timestamp as a UTC Date, a date as text).
  const selection = {
    limits: userLimits,
    userId: userLimits.userId,
    use: { day: usageDaily.day, costMicros: usageDaily.costMicros, updatedAt: usageDaily.updatedAt },
  };
  const joined = and(eq(usageDaily.userId, userLimits.userId), eq(usageDaily.kind, "reply"));
  const byPrefix = (prefix: unknown) => sql`${userLimits.userId} like ${prefix}`;
  const read = readOnce((select) =>
    select(selection)
      .from(userLimits)
      .leftJoin(usageDaily, joined)
      .where(byPrefix(sql.placeholder("prefix")))
      .orderBy(asc(userLimits.userId))
      .limit(sql.placeholder("limit")),
  );

  beforeAll(async () => {
    await database.db.insert(userLimits).values([
      { userId: "read-a", dailyTokens: 9_007_199_254, blocked: true, updatedAt: at },
      { userId: "read-b", concurrentReplies: 2, updatedAt: new Date("2026-01-02T03:04:05.006Z") },
    ]);
    await database.db.insert(usageDaily).values({
      userId: "read-a",
      day: "2026-12-06",
      kind: "reply",
      promptTokens: 1,
      completionTokens: 2,
      replies: 1,
      estimatedReplies: 0,
      costMicros: 742,
      updatedAt: at,
    });
  });

  it("gives each run's rows decoded as Drizzle's builder gives them, a left join that matched nothing as null", async () => {
    const rows = await read.run(database.db.$client, { prefix: "read-%", limit: 10 });
    const drizzles = await database.db
      .select(selection)
      .from(userLimits)
      .leftJoin(usageDaily, joined)
      .where(byPrefix("read-%"))
      .orderBy(asc(userLimits.userId))
      .limit(10);
    expect(rows).toEqual(drizzles);
    expect(rows).toEqual([
      {
        limits: {
          userId: "read-a",
          concurrentReplies: null,
          messagesPerMinute: null,
          dailyTokens: 9_007_199_254,
          monthlyTokens: null,
          monthlyCostMicros: null,
          blocked: true,
          updatedAt: at,
        },
        userId: "read-a",
        use: { day: "2026-12-06", costMicros: 742, updatedAt: at },
      },
      {
        limits: {
          userId: "read-b",
          concurrentReplies: 2,
          messagesPerMinute: null,
          dailyTokens: null,
          monthlyTokens: null,
          monthlyCostMicros: null,
          blocked: false,
          updatedAt: new Date("2026-01-02T03:04:05.006Z"),
        },
        userId: "read-b",
        use: null,
      },
    ]);
    expect(await read.run(database.db.$client, { prefix: "read-b", limit: 10 })).toEqual([rows[1]]);
    expect(await read.run(database.db.$client, { prefix: "read-%", limit: 1 })).toEqual([rows[0]]);
  });

  it("a value left out is an error naming its placeholder, before anything is sent; the log hears no values", async () => {
    sent.length = 0;
    await expect(read.run(database.db.$client, { prefix: "read-%" })).rejects.toThrow(
      'no value for the statement\'s placeholder "limit"',
    );
    expect(sent).toEqual([]);
    await read.run(database.db.$client, { prefix: "read-secret", limit: 1 });
    expect(sent).toEqual([read.sql]);
    expect(read.sql).not.toContain("read-secret");
  });

  it("refuses to build a read of something that is not a column, or not built on its select", () => {
    expect(() =>
      readOnce((select) => select({ use: { total: sql<number>`1 + 1` } as never }).from(usageDaily)),
    ).toThrow('readOnce reads columns; "use.total" is not one');
    expect(() => readOnce(() => sql`select 1` as never)).toThrow(
      "readOnce: build the query on the select it is given",
    );
  });
});

describe("inTransaction", () => {
  const insertOne = insertOnce(userLimits, ["userId", "updatedAt"], 1);

  it("commits built statements and builders together", async () => {
    const result = await inTransaction(database.db, async (tx, connection) => {
      await insertOne.run(connection, [{ userId: "tx-a", updatedAt: at }]);
      await tx.update(userLimits).set({ blocked: true }).where(eq(userLimits.userId, "tx-a"));
      return "done";
    });
    expect(result).toBe("done");
    expect(await storedRows("tx-a")).toEqual([
      { user_id: "tx-a", daily_tokens: null, blocked: 1, updated_at: "2026-12-06 08:00:00.125" },
    ]);
  });

  it("a failure rolls back both, rethrows the work's own error, and gives the connection back", async () => {
    const failure = new Error("the work failed");
    await expect(
      inTransaction(database.db, async (tx, connection) => {
        await insertOne.run(connection, [{ userId: "tx-b", updatedAt: at }]);
        await tx.insert(userLimits).values({ userId: "tx-c", updatedAt: at });
        // Inside the transaction both are visible.
        const [inside] = await connection.query<RowDataPacket[]>(
          "select count(*) as n from user_limits where user_id in ('tx-b', 'tx-c')",
        );
        expect(inside[0]?.n).toBe(2);
        throw failure;
      }),
    ).rejects.toBe(failure);
    // The pool's only connection came back: this read would otherwise wait for it and time out.
    expect(await storedRows("tx-b", "tx-c")).toEqual([]);
  });

  it("a statement that fails inside (a duplicate key) rolls back what came before it", async () => {
    await expect(
      inTransaction(database.db, async (_tx, connection) => {
        await insertOne.run(connection, [{ userId: "tx-d", updatedAt: at }]);
        await insertOne.run(connection, [{ userId: "tx-a", updatedAt: at }]);
      }),
    ).rejects.toMatchObject({ code: "ER_DUP_ENTRY" });
    expect(await storedRows("tx-d")).toEqual([]);
  });
});
