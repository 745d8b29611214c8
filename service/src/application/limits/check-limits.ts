/**
 * checkLimits: may this user start one more reply now? Called by sendMessage before anything is written
 * or sent upstream. In order: blocked, budgets (one range read of the user's usage this month, beside
 * one key read of their overrides, in parallel), then the rate (counted only when the rest passes).
 * The concurrency limit is returned to be enforced by startTurn inside the turn's transaction.
 */
import { utcDay } from "../../domain/usage.js";
import { accountBlocked } from "../../domain/errors.js";
import { budgetRefusal, effectiveLimits, rateRefusal, type UserLimits } from "../../domain/limits.js";
import type { Clock } from "../ports.js";
import type { UsageRepository } from "../usage/usage-repository.js";
import type { RateLimiter, UserLimitsStore } from "./limits-ports.js";

export interface LimitsDeps {
  /** The defaults (configuration); 0 = none. */
  defaults: UserLimits;
  store: UserLimitsStore;
  usage: UsageRepository;
  rate: RateLimiter;
  clock: Clock;
}

/** Throws the refusal (limit.* or account.blocked); returns the user's effective limits otherwise. */
export async function checkLimits(deps: LimitsDeps, userId: string): Promise<UserLimits> {
  const now = deps.clock.now();
  const [settings, use] = await Promise.all([deps.store.settingsOf(userId), budgetUse(deps, userId, now)]);
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

/** Today's and this month's tokens and cost, from one read of the month's daily rows. */
export async function budgetUse(deps: Pick<LimitsDeps, "usage">, userId: string, now: Date) {
  const today = utcDay(now);
  const rows = await deps.usage.dailyUsage(userId, `${today.slice(0, 8)}01`, today);
  const use = { todayTokens: 0, monthTokens: 0, monthCostMicros: 0 };
  for (const row of rows) {
    const tokens = row.promptTokens + row.completionTokens;
    use.monthTokens += tokens;
    use.monthCostMicros += row.costMicros;
    if (row.day === today) use.todayTokens += tokens;
  }
  return use;
}
