import { describe, expect, it } from "vitest";
import { describeLimitRefusal, isShortLived, toLimitRefusal, type LimitRefusal } from "./limit-refusal";

/** 23:30 on 3 December 2026 in Berlin (UTC+1). */
const now = new Date("2026-12-03T22:30:00Z");
const berlin = { now, timeZone: "Europe/Berlin", locale: "en-GB" };
const refusal = (overrides: Partial<LimitRefusal>): LimitRefusal => ({
  reason: "limit.daily_tokens",
  resetAt: null,
  limit: null,
  ...overrides,
});

describe("toLimitRefusal", () => {
  it("recognises the limit reasons, with a valid reset time and a positive limit", () => {
    expect(
      toLimitRefusal({ reason: "limit.daily_tokens", resetAt: "2026-12-04T00:00:00.000Z", limit: 100_000 }),
    ).toEqual({ reason: "limit.daily_tokens", resetAt: "2026-12-04T00:00:00.000Z", limit: 100_000 });
    expect(toLimitRefusal({ reason: "account.blocked" })).toEqual({
      reason: "account.blocked",
      resetAt: null,
      limit: null,
    });
  });

  it("drops a reset time that is not a time and a limit of 0", () => {
    expect(toLimitRefusal({ reason: "limit.rate", resetAt: "soon", limit: 0 })).toEqual({
      reason: "limit.rate",
      resetAt: null,
      limit: null,
    });
  });

  it("is null for any other failure", () => {
    expect(toLimitRefusal({ reason: "reply.in_progress" })).toBeNull();
    expect(toLimitRefusal({ reason: null })).toBeNull();
    expect(toLimitRefusal({})).toBeNull();
  });
});

describe("describeLimitRefusal, in a fixed time zone at a fixed time", () => {
  it.each([
    [
      "today's tokens, resetting at UTC midnight = 01:00 tomorrow in Berlin",
      refusal({ resetAt: "2026-12-04T00:00:00Z", limit: 100_000 }),
      "You've reached today's limit of 100,000 tokens. It resets tomorrow at 01:00.",
    ],
    [
      "today's tokens, resetting later the same local day",
      refusal({ resetAt: "2026-12-03T22:45:00Z", limit: 100_000 }),
      "You've reached today's limit of 100,000 tokens. It resets at 23:45.",
    ],
    [
      "today's tokens without a named limit",
      refusal({ resetAt: "2026-12-03T22:45:00Z" }),
      "You've reached today's limit. It resets at 23:45.",
    ],
    [
      "this month's tokens, resetting on the first",
      refusal({ reason: "limit.monthly_tokens", resetAt: "2027-01-01T00:00:00Z", limit: 2_000_000 }),
      "You've reached this month's limit of 2,000,000 tokens. It resets on 1 January at 01:00.",
    ],
    [
      "this month's spending",
      refusal({ reason: "limit.monthly_cost", resetAt: "2027-01-01T00:00:00Z" }),
      "You've reached this month's spending limit. It resets on 1 January at 01:00.",
    ],
    [
      "the rate, to the second",
      refusal({ reason: "limit.rate", resetAt: "2026-12-03T22:30:40Z" }),
      "You're sending messages faster than your limit allows. You can send again at 23:30:40.",
    ],
    [
      "the rate without a time",
      refusal({ reason: "limit.rate" }),
      "You're sending messages faster than your limit allows. Wait a moment.",
    ],
    [
      "answers at once",
      refusal({ reason: "limit.concurrent_replies", limit: 3 }),
      "You already have 3 answers being written at once, your limit. Wait for one to finish, then send again.",
    ],
    [
      "a blocked account",
      refusal({ reason: "account.blocked" }),
      "Your account may not send messages. Please contact whoever runs this Parley.",
    ],
    [
      "a budget without a reset time",
      refusal({ reason: "limit.monthly_tokens" }),
      "You've reached this month's limit.",
    ],
  ])("%s", (_, limit, sentence) => {
    expect(describeLimitRefusal(limit, berlin)).toBe(sentence);
  });

  it("says the same instant in another zone's local time (and day)", () => {
    const limit = refusal({ resetAt: "2026-12-04T00:00:00Z", limit: 100_000 });
    expect(describeLimitRefusal(limit, { now, timeZone: "UTC", locale: "en-GB" })).toBe(
      "You've reached today's limit of 100,000 tokens. It resets tomorrow at 00:00.",
    );
    expect(describeLimitRefusal(limit, { now, timeZone: "America/New_York", locale: "en-GB" })).toBe(
      "You've reached today's limit of 100,000 tokens. It resets at 19:00.",
    );
  });

  it("lets only rate and concurrency refusals be sent again soon", () => {
    expect(isShortLived(refusal({ reason: "limit.rate" }))).toBe(true);
    expect(isShortLived(refusal({ reason: "limit.concurrent_replies" }))).toBe(true);
    expect(isShortLived(refusal({ reason: "limit.daily_tokens" }))).toBe(false);
    expect(isShortLived(refusal({ reason: "account.blocked" }))).toBe(false);
  });
});
