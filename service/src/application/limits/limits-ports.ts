/**
 * The ports of the limits: where per-user overrides live (MySQL `user_limits`), and the rate counter
 * (Redis when replicas share one, process memory otherwise). Budgets are read from the usage aggregate
 * (UsageRepository); the concurrency count is kept by the chat repository's startTurn, in the turn's
 * own transaction, because only there can it be exact.
 */
import type { BudgetUse, LimitOverrides, UserLimitSettings } from "../../domain/limits.js";

export interface UserLimitsStore {
  /** The user's overrides and blocked flag; none stored: no overrides, not blocked. One key read. */
  settingsOf(userId: string): Promise<UserLimitSettings>;
  /**
   * What a send checks, in one read: the user's settings (as `settingsOf`) and their use of the budgets
   * — tokens on `today`, tokens and cost from `monthStart` to `today` (UTC days, `YYYY-MM-DD`). One
   * statement where two reads cost every send a second one (docs/benchmarks.md).
   */
  limitsOf(userId: string, monthStart: string, today: string): Promise<UserLimitsAndUse>;
  /** Sets the given overrides (null: back to the default; absent: unchanged) and/or the blocked flag. */
  update(
    userId: string,
    change: { overrides?: Partial<LimitOverrides>; blocked?: boolean },
    now: Date,
  ): Promise<void>;
}

export interface RateLimiter {
  /**
   * Counts one message of `userId` against `perMinute`, atomically across every process sharing the
   * counter. Refused messages are not counted. Never throws: a shared counter that cannot be reached
   * falls back to this process's own.
   */
  take(
    userId: string,
    perMinute: number,
    now: Date,
  ): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
}

export interface UserLimitsAndUse {
  settings: UserLimitSettings;
  use: BudgetUse;
}
