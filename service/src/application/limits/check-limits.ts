/**
 * checkLimits: may this user start one more reply now? Called by sendMessage before anything is written
 * or sent upstream. In order: blocked, budgets (the user's overrides and their usage this month, in one
 * read), then the rate (counted only when the rest passes). The concurrency limit is returned to be
 * enforced by startTurn inside the turn's transaction.
 */
import { utcDay } from "../../domain/usage.js";
import { accountBlocked } from "../../domain/errors.js";
import { budgetRefusal, effectiveLimits, rateRefusal, type UserLimits } from "../../domain/limits.js";
import type { Clock } from "../ports.js";
import type { RateLimiter, UserLimitsStore } from "./limits-ports.js";

export interface LimitsDeps {
  /** The defaults (configuration); 0 = none. */
  defaults: UserLimits;
  store: UserLimitsStore;
  rate: RateLimiter;
  clock: Clock;
}

/** Throws the refusal (limit.* or account.blocked); returns the user's effective limits otherwise. */
export async function checkLimits(deps: LimitsDeps, userId: string): Promise<UserLimits> {
  const now = deps.clock.now();
  const { settings, use } = await deps.store.limitsOf(userId, ...budgetDays(now));
  if (settings.blocked) throw accountBlocked();
  const limits = effectiveLimits(deps.defaults, settings.overrides);
  const overBudget = budgetRefusal(limits, use, now);
  if (overBudget) throw overBudget;
  if (limits.messagesPerMinute > 0) {
    const taken = await deps.rate.take(userId, limits.messagesPerMinute, now);
    if (!taken.allowed) throw rateRefusal(limits.messagesPerMinute, taken.retryAfterMs, now);
  }
  return limits;
}

/** The days a budget counts on `now`: the month's first and today (UTC). */
export function budgetDays(now: Date): [monthStart: string, today: string] {
  const today = utcDay(now);
  return [`${today.slice(0, 8)}01`, today];
}
