/**
 * getUsage: what a user's use of the model has cost — today, this month and per day for the last 30
 * days — read from the daily aggregate in one range read — and their effective limits and what is left
 * (one key read of their overrides, beside it).
 */
import { utcDay } from "../../domain/usage.js";
import { effectiveLimits, nextUtcDay, nextUtcMonth, type UserLimits } from "../../domain/limits.js";
import type { LimitsDeps } from "../limits/check-limits.js";
import { requireUserId } from "../input-rules.js";
import type { Clock } from "../ports.js";
import type { DailyUsage, UsageRepository } from "./usage-repository.js";

export interface UsageUseCaseDeps {
  usage: UsageRepository;
  clock: Clock;
  /** The limits' defaults and overrides; absent: no limits (all 0). */
  limits?: Pick<LimitsDeps, "defaults" | "store"> | undefined;
}

export interface GetUsageInput {
  userId: string;
}

/** Sums of some period's usage. */
export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  replies: number;
  estimatedReplies: number;
  costMicros: number;
}

/** A user's limits and what is left; 0 = no limit (then its `...Left` says nothing). */
export interface UsageLimits {
  dailyTokenLimit: number;
  monthlyTokenLimit: number;
  monthlyCostLimitMicros: number;
  dailyTokensLeft: number;
  monthlyTokensLeft: number;
  monthlyCostLeftMicros: number;
  /** When the daily / monthly counts start again; null while there is no such limit. */
  dailyResetsAt: Date | null;
  monthlyResetsAt: Date | null;
  /** Answers being written at once, and messages per minute; 0 = none. */
  concurrentRepliesLimit: number;
  messagesPerMinuteLimit: number;
}

export interface UsageReport {
  today: UsageTotals;
  thisMonth: UsageTotals;
  /** The last `historyDays` UTC days, oldest first, today last; days without usage as zeros. */
  days: { day: string; totals: UsageTotals }[];
  limits: UsageLimits;
  /** The currency of every cost (ISO 4217): the price table is in USD. */
  currencyCode: string;
  asOf: Date;
}

/** How many days `days` covers. */
export const historyDays = 30;

const dayMs = 86_400_000;

const noLimits: UsageLimits = {
  dailyTokenLimit: 0,
  monthlyTokenLimit: 0,
  monthlyCostLimitMicros: 0,
  dailyTokensLeft: 0,
  monthlyTokensLeft: 0,
  monthlyCostLeftMicros: 0,
  dailyResetsAt: null,
  monthlyResetsAt: null,
  concurrentRepliesLimit: 0,
  messagesPerMinuteLimit: 0,
};

export async function getUsage(deps: UsageUseCaseDeps, input: GetUsageInput): Promise<UsageReport> {
  const userId = requireUserId(input.userId);
  const asOf = deps.clock.now();
  const today = utcDay(asOf);
  const monthStart = `${today.slice(0, 8)}01`;
  const historyStart = utcDay(new Date(asOf.getTime() - (historyDays - 1) * dayMs));
  // `YYYY-MM-DD` strings order like the days they name, so one read covers both periods.
  const from = monthStart < historyStart ? monthStart : historyStart;
  const [stored, settings] = await Promise.all([
    deps.usage.dailyUsage(userId, from, today),
    deps.limits?.store.settingsOf(userId),
  ]);
  const byDay = new Map(stored.map((row) => [row.day, row]));

  const days = Array.from({ length: historyDays }, (_, index) => {
    const day = utcDay(new Date(asOf.getTime() - (historyDays - 1 - index) * dayMs));
    const row = byDay.get(day);
    return { day, totals: totalsOf(row ? [row] : []) };
  });
  const todayTotals = totalsOf(stored.filter((row) => row.day === today));
  const monthTotals = totalsOf(stored.filter((row) => row.day >= monthStart));
  const limits =
    deps.limits && settings
      ? limitsLeft(effectiveLimits(deps.limits.defaults, settings.overrides), todayTotals, monthTotals, asOf)
      : noLimits;
  return {
    today: todayTotals,
    thisMonth: monthTotals,
    days,
    limits,
    currencyCode: "USD",
    asOf,
  };
}

function totalsOf(rows: readonly DailyUsage[]): UsageTotals {
  const totals = {
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    replies: 0,
    estimatedReplies: 0,
    costMicros: 0,
  };
  for (const row of rows) {
    totals.promptTokens += row.promptTokens;
    totals.completionTokens += row.completionTokens;
    totals.totalTokens += row.promptTokens + row.completionTokens;
    totals.replies += row.replies;
    totals.estimatedReplies += row.estimatedReplies;
    totals.costMicros += row.costMicros;
  }
  return totals;
}

/** The budgets of `limits` and what is left of them after `today` and `month`. */
function limitsLeft(limits: UserLimits, today: UsageTotals, month: UsageTotals, asOf: Date): UsageLimits {
  const left = (limit: number, used: number) => (limit > 0 ? Math.max(0, limit - used) : 0);
  const monthly = limits.monthlyTokens > 0 || limits.monthlyCostMicros > 0;
  return {
    dailyTokenLimit: limits.dailyTokens,
    monthlyTokenLimit: limits.monthlyTokens,
    monthlyCostLimitMicros: limits.monthlyCostMicros,
    dailyTokensLeft: left(limits.dailyTokens, today.totalTokens),
    monthlyTokensLeft: left(limits.monthlyTokens, month.totalTokens),
    monthlyCostLeftMicros: left(limits.monthlyCostMicros, month.costMicros),
    dailyResetsAt: limits.dailyTokens > 0 ? nextUtcDay(asOf) : null,
    monthlyResetsAt: monthly ? nextUtcMonth(asOf) : null,
    concurrentRepliesLimit: limits.concurrentReplies,
    messagesPerMinuteLimit: limits.messagesPerMinute,
  };
}
