/**
 * Per-user limits: what they are (defaults from configuration, overridden per user), and the rules
 * that decide, from counters, whether a new message may start a reply. No I/O here.
 */
import { limitReached, type DomainError } from "./errors.js";

/** A user's effective limits. 0 means no limit (for every field). */
export interface UserLimits {
  /** Replies being generated at once for the user (all chats, all channels, all replicas). */
  concurrentReplies: number;
  /** Messages per minute (GCRA: a burst of this many, then one every 60 s / this). */
  messagesPerMinute: number;
  /** Prompt + completion tokens per UTC day. */
  dailyTokens: number;
  /** Prompt + completion tokens per UTC calendar month. */
  monthlyTokens: number;
  /** Estimated cost per UTC calendar month, micro-USD. */
  monthlyCostMicros: number;
}

/** One user's overrides: null fields take the default. */
export type LimitOverrides = { [K in keyof UserLimits]: number | null };

export interface UserLimitSettings {
  overrides: LimitOverrides;
  blocked: boolean;
}

export const noOverrides: LimitOverrides = {
  concurrentReplies: null,
  messagesPerMinute: null,
  dailyTokens: null,
  monthlyTokens: null,
  monthlyCostMicros: null,
};

export function effectiveLimits(defaults: UserLimits, overrides: LimitOverrides): UserLimits {
  return {
    concurrentReplies: overrides.concurrentReplies ?? defaults.concurrentReplies,
    messagesPerMinute: overrides.messagesPerMinute ?? defaults.messagesPerMinute,
    dailyTokens: overrides.dailyTokens ?? defaults.dailyTokens,
    monthlyTokens: overrides.monthlyTokens ?? defaults.monthlyTokens,
    monthlyCostMicros: overrides.monthlyCostMicros ?? defaults.monthlyCostMicros,
  };
}

/** The next UTC midnight after `now`. */
export function nextUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** The first instant of the next UTC calendar month after `now`. */
export function nextUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** What the budget check reads: the user's tokens and cost today and this month. */
export interface BudgetUse {
  todayTokens: number;
  monthTokens: number;
  monthCostMicros: number;
}

/**
 * The first budget already spent, as the refusal to throw; null when every budget has room. A budget
 * is checked as spent (used ≥ limit), not against the coming reply, whose size is unknown: the reply
 * that crosses the limit is finished, the next message is refused.
 */
export function budgetRefusal(limits: UserLimits, use: BudgetUse, now: Date): DomainError | null {
  const day = now.toISOString().slice(0, 10);
  const month = day.slice(0, 7);
  if (limits.dailyTokens > 0 && use.todayTokens >= limits.dailyTokens) {
    return limitReached(
      "limit.daily_tokens",
      `daily limit of ${limits.dailyTokens} tokens reached; resets at 00:00 UTC`,
      limits.dailyTokens,
      now,
      nextUtcDay(now),
      day,
    );
  }
  const resetsOn = nextUtcMonth(now).toISOString().slice(0, 10);
  if (limits.monthlyTokens > 0 && use.monthTokens >= limits.monthlyTokens) {
    return limitReached(
      "limit.monthly_tokens",
      `monthly limit of ${limits.monthlyTokens} tokens reached; resets on ${resetsOn} at 00:00 UTC`,
      limits.monthlyTokens,
      now,
      nextUtcMonth(now),
      month,
    );
  }
  if (limits.monthlyCostMicros > 0 && use.monthCostMicros >= limits.monthlyCostMicros) {
    const usd = (limits.monthlyCostMicros / 1_000_000).toFixed(2);
    return limitReached(
      "limit.monthly_cost",
      `monthly cost limit of ${usd} USD reached; resets on ${resetsOn} at 00:00 UTC`,
      limits.monthlyCostMicros,
      now,
      nextUtcMonth(now),
      month,
    );
  }
  return null;
}

/** The refusal for a rate limit that says to wait `retryAfterMs`. */
export function rateRefusal(messagesPerMinute: number, retryAfterMs: number, now: Date): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const resetAt = new Date(now.getTime() + retryAfterMs);
  // The minute the refusal falls in: at most one notice per minute on channels that are told once.
  const window = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  return limitReached(
    "limit.rate",
    `${messagesPerMinute} messages a minute at most; try again in ${seconds} s`,
    messagesPerMinute,
    now,
    resetAt,
    window,
  );
}

/** How long to suggest waiting when every live answer slot is taken (no one knows when one ends). */
export const concurrentRetryMs = 5_000;

/** The refusal when `limit` replies are already being generated for the user. */
export function concurrencyRefusal(limit: number, now: Date): DomainError {
  const window = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  const answers = limit === 1 ? "1 answer is" : `${limit} answers are`;
  return limitReached(
    "limit.concurrent_replies",
    `${answers} already being written; wait for one to finish`,
    limit,
    now,
    new Date(now.getTime() + concurrentRetryMs),
    window,
  );
}

/** A GCRA state: the theoretical arrival time (ms since the epoch) of the next request. */
export type RateDecision = { allowed: true; tat: number } | { allowed: false; retryAfterMs: number };

/**
 * The generic cell rate algorithm: a burst of `perMinute`, then one every 60 s / `perMinute`. `tat`
 * is the stored theoretical arrival time (0 when none). The Redis adapter runs the same steps in Lua.
 */
export function gcra(tat: number, nowMs: number, perMinute: number): RateDecision {
  const interval = 60_000 / perMinute;
  const next = Math.max(tat, nowMs) + interval;
  const allowAt = next - interval * perMinute;
  if (nowMs < allowAt) return { allowed: false, retryAfterMs: Math.ceil(allowAt - nowMs) };
  return { allowed: true, tat: next };
}
