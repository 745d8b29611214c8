import { describe, expect, it } from "vitest";
import { noOverrides, type UserLimits } from "../../domain/limits.js";
import type { DailyUsage } from "../usage/usage-repository.js";
import { checkLimits, type LimitsDeps } from "./check-limits.js";
import { createInMemoryRateLimiter } from "./in-memory-rate-limiter.js";

const defaults: UserLimits = {
  concurrentReplies: 3,
  messagesPerMinute: 2,
  dailyTokens: 100,
  monthlyTokens: 0,
  monthlyCostMicros: 0,
};
const now = new Date("2026-03-15T12:00:00.000Z");

function depsWith(rows: DailyUsage[], blocked = false, overrides = noOverrides) {
  const asked: string[][] = [];
  const deps: LimitsDeps = {
    defaults,
    store: {
      settingsOf: async () => ({ overrides, blocked }),
      async limitsOf(userId, monthStart, today) {
        asked.push([userId, monthStart, today]);
        const use = { todayTokens: 0, monthTokens: 0, monthCostMicros: 0 };
        for (const row of rows.filter((row) => row.day >= monthStart && row.day <= today)) {
          use.monthTokens += row.promptTokens + row.completionTokens;
          use.monthCostMicros += row.costMicros;
          if (row.day === today) use.todayTokens += row.promptTokens + row.completionTokens;
        }
        return { settings: { overrides, blocked }, use };
      },
      update: async () => undefined,
    },
    rate: createInMemoryRateLimiter(),
    clock: { now: () => now },
  };
  return { deps, asked };
}
const aDay = (day: string, tokens: number): DailyUsage => ({
  day,
  promptTokens: tokens,
  completionTokens: 0,
  replies: 1,
  estimatedReplies: 0,
  costMicros: 0,
});

describe("checkLimits", () => {
  it("reads the settings and the month's use once and returns the effective limits", async () => {
    const { deps, asked } = depsWith([aDay("2026-03-01", 5_000), aDay("2026-03-15", 99)]);
    await expect(checkLimits(deps, "u")).resolves.toEqual(defaults);
    expect(asked).toEqual([["u", "2026-03-01", "2026-03-15"]]);
  });

  it("refuses a spent budget without counting the message against the rate", async () => {
    const spent = depsWith([aDay("2026-03-15", 100)]);
    await expect(checkLimits(spent.deps, "u")).rejects.toMatchObject({ code: "limit.daily_tokens" });
    const fresh = { ...depsWith([]).deps, rate: spent.deps.rate };
    await checkLimits(fresh, "u");
    await checkLimits(fresh, "u");
    await expect(checkLimits(fresh, "u")).rejects.toMatchObject({ code: "limit.rate" });
  });

  it("refuses a blocked user first; an override of 0 lifts a limit", async () => {
    await expect(checkLimits(depsWith([], true).deps, "u")).rejects.toMatchObject({
      code: "account.blocked",
    });
    const { deps } = depsWith([aDay("2026-03-15", 1_000)], false, { ...noOverrides, dailyTokens: 0 });
    await expect(checkLimits(deps, "u")).resolves.toMatchObject({ dailyTokens: 0 });
  });
});
