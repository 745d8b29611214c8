import { describe, expect, it } from "vitest";
import {
  budgetRefusal,
  concurrencyRefusal,
  effectiveLimits,
  gcra,
  rateRefusal,
  type UserLimits,
} from "./limits.js";

const none: UserLimits = {
  concurrentReplies: 0,
  messagesPerMinute: 0,
  dailyTokens: 0,
  monthlyTokens: 0,
  monthlyCostMicros: 0,
};
const now = new Date("2026-03-31T22:30:00.000Z");

describe("GCRA", () => {
  it("allows a burst of perMinute, then one every 60 s / perMinute; a refusal is not counted", () => {
    let tat = 0;
    const take = (ms: number) => {
      const decision = gcra(tat, ms, 3);
      if (decision.allowed) tat = decision.tat;
      return decision.allowed ? "ok" : decision.retryAfterMs;
    };
    expect([take(0), take(0), take(0), take(0)]).toEqual(["ok", "ok", "ok", 20_000]);
    expect([take(19_999), take(20_000), take(20_000)]).toEqual([1, "ok", 20_000]);
    expect([take(200_000), take(200_000), take(200_000), take(200_000)]).toEqual(["ok", "ok", "ok", 20_000]);
  });
});

describe("budgets", () => {
  const used = { todayTokens: 100, monthTokens: 1_000, monthCostMicros: 5_000 };
  it.each([
    ["no limits", none, null],
    ["daily at the limit", { ...none, dailyTokens: 100 }, "limit.daily_tokens"],
    ["daily under it", { ...none, dailyTokens: 101 }, null],
    ["monthly at the limit", { ...none, monthlyTokens: 1_000 }, "limit.monthly_tokens"],
    ["monthly under it", { ...none, monthlyTokens: 1_001 }, null],
    ["cost at the limit", { ...none, monthlyCostMicros: 5_000 }, "limit.monthly_cost"],
    ["cost under it", { ...none, monthlyCostMicros: 5_001 }, null],
    ["daily first", { ...none, dailyTokens: 1, monthlyTokens: 1 }, "limit.daily_tokens"],
  ] as const)("%s", (_, limits, code) => {
    expect(budgetRefusal(limits, used, now)?.code ?? null).toBe(code);
  });

  it("says when each resets, and waits until then", () => {
    const daily = budgetRefusal({ ...none, dailyTokens: 1 }, used, now)!;
    expect(daily.message).toBe("daily limit of 1 tokens reached; resets at 00:00 UTC");
    expect(daily.details).toEqual({ limit: 1, resetAt: "2026-04-01T00:00:00.000Z", window: "2026-03-31" });
    expect(daily.retryAfterMs).toBe(90 * 60_000);
    const cost = budgetRefusal(
      { ...none, monthlyCostMicros: 2_500_000 },
      { ...used, monthCostMicros: 3e6 },
      now,
    )!;
    expect(cost.message).toBe("monthly cost limit of 2.50 USD reached; resets on 2026-04-01 at 00:00 UTC");
    expect(cost.details["window"]).toBe("2026-03");
  });
});

describe("refusals", () => {
  it("rate: the wait in whole seconds, rounded up", () => {
    const error = rateRefusal(20, 11_200, now);
    expect(error.message).toBe("20 messages a minute at most; try again in 12 s");
    expect(error.retryAfterMs).toBe(11_200);
  });
  it("concurrency", () => {
    expect(concurrencyRefusal(3, now).message).toBe(
      "3 answers are already being written; wait for one to finish",
    );
    expect(concurrencyRefusal(1, now).message).toBe(
      "1 answer is already being written; wait for one to finish",
    );
  });
  it("overrides lie over the defaults; 0 is an override too (no limit for this user)", () => {
    const defaults = { ...none, concurrentReplies: 3, messagesPerMinute: 20 };
    const overrides = {
      concurrentReplies: 0,
      messagesPerMinute: null,
      dailyTokens: 5,
      monthlyTokens: null,
      monthlyCostMicros: null,
    };
    expect(effectiveLimits(defaults, overrides)).toEqual({ ...none, messagesPerMinute: 20, dailyTokens: 5 });
  });
});
