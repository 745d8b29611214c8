import { describe, expect, it } from "vitest";
import { noOverrides } from "../../domain/limits.js";
import { fixedLimitsStore } from "../../../test/support/fixed-limits-store.js";
import { getUsage } from "./get-usage.js";
import type { DailyUsage, UsageRepository } from "./usage-repository.js";

const aDay = (day: string, promptTokens: number, completionTokens: number, costMicros = 0): DailyUsage => ({
  day,
  promptTokens,
  completionTokens,
  replies: 1,
  estimatedReplies: 0,
  costMicros,
});

/** A repository over fixed rows that remembers the range asked for. */
function storeOf(rows: DailyUsage[]) {
  const asked: [string, string, string][] = [];
  const usage: UsageRepository = {
    async dailyUsage(userId, from, to) {
      asked.push([userId, from, to]);
      return rows.filter((row) => row.day >= from && row.day <= to);
    },
  };
  return { usage, asked };
}

describe("getUsage", () => {
  it("reads once, across a month boundary: today, this month, and 30 days with zero days filled", async () => {
    const { usage, asked } = storeOf([
      aDay("2025-01-31", 5, 5), // 30 days back is 2025-02-01: not in the days
      aDay("2025-02-20", 10, 1, 7),
      aDay("2025-03-01", 20, 2, 11),
      aDay("2025-03-02", 30, 3, 13),
    ]);
    const clock = { now: () => new Date("2025-03-02T23:59:59.999Z") };
    const report = await getUsage({ usage, clock }, { userId: "alice" });

    expect(asked).toEqual([["alice", "2025-02-01", "2025-03-02"]]);
    expect(report.today).toEqual({
      promptTokens: 30,
      completionTokens: 3,
      totalTokens: 33,
      replies: 1,
      estimatedReplies: 0,
      costMicros: 13,
    });
    expect(report.thisMonth).toMatchObject({
      promptTokens: 50,
      completionTokens: 5,
      replies: 2,
      costMicros: 24,
    });
    expect(report.days).toHaveLength(30);
    expect(report.days[0]?.day).toBe("2025-02-01");
    expect(report.days.at(-1)?.day).toBe("2025-03-02");
    expect(report.days.find((d) => d.day === "2025-02-20")?.totals).toMatchObject({ totalTokens: 11 });
    expect(report.days.filter((d) => d.totals.replies > 0).map((d) => d.day)).toEqual([
      "2025-02-20",
      "2025-03-01",
      "2025-03-02",
    ]);
    expect(report.limits).toMatchObject({
      dailyTokenLimit: 0,
      monthlyTokenLimit: 0,
      monthlyCostLimitMicros: 0,
    });
    expect(report.currencyCode).toBe("USD");
  });

  it("reports the effective budgets, what is left (never below 0) and when each resets", async () => {
    const { usage } = storeOf([aDay("2025-03-01", 60, 0, 900), aDay("2025-03-02", 30, 3, 13)]);
    const limits = {
      defaults: {
        concurrentReplies: 3,
        messagesPerMinute: 20,
        dailyTokens: 0,
        monthlyTokens: 50,
        monthlyCostMicros: 1_000,
      },
      store: fixedLimitsStore(() => ({ overrides: { ...noOverrides, dailyTokens: 40 }, blocked: false })),
    };
    const clock = { now: () => new Date("2025-03-02T10:00:00Z") };
    const report = await getUsage({ usage, clock, limits }, { userId: "alice" });
    expect(report.limits).toEqual({
      dailyTokenLimit: 40,
      monthlyTokenLimit: 50,
      monthlyCostLimitMicros: 1_000,
      dailyTokensLeft: 7,
      monthlyTokensLeft: 0,
      monthlyCostLeftMicros: 87,
      dailyResetsAt: new Date("2025-03-03T00:00:00Z"),
      monthlyResetsAt: new Date("2025-04-01T00:00:00Z"),
      concurrentRepliesLimit: 3,
      messagesPerMinuteLimit: 20,
    });
  });

  it("reads from the first of the month when that is further back than 30 days", async () => {
    const { usage, asked } = storeOf([]);
    await getUsage({ usage, clock: { now: () => new Date("2025-01-31T12:00:00Z") } }, { userId: "bob" });
    expect(asked).toEqual([["bob", "2025-01-01", "2025-01-31"]]);
  });

  it("refuses a missing user id before reading anything", async () => {
    const { usage, asked } = storeOf([]);
    await expect(
      getUsage({ usage, clock: { now: () => new Date() } }, { userId: " " }),
    ).rejects.toMatchObject({
      code: "argument.invalid",
    });
    expect(asked).toEqual([]);
  });
});
