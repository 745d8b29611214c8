// The UserLimitsStore over a real MariaDB: a send's one read of the user's settings and their use of
// the budgets, summed over kinds, counting only the month's days up to today and only this user's.
import { describe, expect, it } from "vitest";
import { createMysqlUserLimitsStore } from "../../src/adapters/mysql/mysql-user-limits-store.js";
import { usageDaily } from "../../src/adapters/mysql/schema.js";
import type { UserLimitsStore } from "../../src/application/limits/limits-ports.js";
import { noOverrides } from "../../src/domain/limits.js";
import { mysqlStorePerFile } from "../support/mysql-store-per-file.js";

const mysql = mysqlStorePerFile<UserLimitsStore>((database) => createMysqlUserLimitsStore(database.db));

const now = new Date("2026-03-15T12:00:00.000Z");
const aDay = (userId: string, day: string, kind: string, tokens: [number, number], costMicros: number) => ({
  userId,
  day,
  kind,
  promptTokens: tokens[0],
  completionTokens: tokens[1],
  replies: 1,
  estimatedReplies: 0,
  costMicros,
  updatedAt: now,
});

describe("createMysqlUserLimitsStore: limitsOf", () => {
  it("a user with nothing stored: no overrides, not blocked, nothing used", async () => {
    expect(await mysql.store.limitsOf("nobody", "2026-03-01", "2026-03-15")).toEqual({
      settings: { overrides: noOverrides, blocked: false },
      use: { todayTokens: 0, monthTokens: 0, monthCostMicros: 0 },
    });
  });

  it("sums every kind over the month up to today, today's tokens apart; other months and users are not counted", async () => {
    await mysql.database.db.insert(usageDaily).values([
      aDay("ada", "2026-02-28", "reply", [1_000, 1_000], 9_000), // last month
      aDay("ada", "2026-03-01", "reply", [10, 20], 300),
      aDay("ada", "2026-03-01", "title", [1, 2], 4),
      aDay("ada", "2026-03-15", "reply", [100, 200], 5_000),
      aDay("ada", "2026-03-15", "title", [3, 4], 7),
      aDay("ada", "2026-03-16", "reply", [50_000, 0], 50_000), // after today (a clock moved back)
      aDay("bob", "2026-03-15", "reply", [7_000, 0], 7_000),
    ]);
    await mysql.store.update("ada", { overrides: { dailyTokens: 500 }, blocked: true }, now);
    expect(await mysql.store.limitsOf("ada", "2026-03-01", "2026-03-15")).toEqual({
      settings: { overrides: { ...noOverrides, dailyTokens: 500 }, blocked: true },
      use: { todayTokens: 307, monthTokens: 340, monthCostMicros: 5_311 },
    });
    // The same settings as the key read alone.
    expect((await mysql.store.limitsOf("ada", "2026-03-01", "2026-03-15")).settings).toEqual(
      await mysql.store.settingsOf("ada"),
    );
    // The statement is built once (prepared) and run with each call's values: another user, another day.
    expect(await mysql.store.limitsOf("bob", "2026-03-01", "2026-03-14")).toEqual({
      settings: { overrides: noOverrides, blocked: false },
      use: { todayTokens: 0, monthTokens: 0, monthCostMicros: 0 },
    });
    expect((await mysql.store.limitsOf("bob", "2026-03-01", "2026-03-15")).use).toEqual({
      todayTokens: 7_000,
      monthTokens: 7_000,
      monthCostMicros: 7_000,
    });
  });
});
