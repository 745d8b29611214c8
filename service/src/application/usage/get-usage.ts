/**
 * getUsage: what a user's use of the model has cost — today, this month and per day for the last 30
 * days — read from the daily aggregate in one range read. Limits are not enforced yet: they come back
 * as 0 (none), and the limits work fills them in.
 */
import { utcDay } from "../../domain/usage.js";
import { requireUserId } from "../input-rules.js";
import type { Clock } from "../ports.js";
import type { DailyUsage, UsageRepository } from "./usage-repository.js";

export interface UsageUseCaseDeps {
  usage: UsageRepository;
  clock: Clock;
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
};

export async function getUsage(deps: UsageUseCaseDeps, input: GetUsageInput): Promise<UsageReport> {
  const userId = requireUserId(input.userId);
  const asOf = deps.clock.now();
  const today = utcDay(asOf);
  const monthStart = `${today.slice(0, 8)}01`;
  const historyStart = utcDay(new Date(asOf.getTime() - (historyDays - 1) * dayMs));
  // `YYYY-MM-DD` strings order like the days they name, so one read covers both periods.
  const from = monthStart < historyStart ? monthStart : historyStart;
  const stored = await deps.usage.dailyUsage(userId, from, today);
  const byDay = new Map(stored.map((row) => [row.day, row]));

  const days = Array.from({ length: historyDays }, (_, index) => {
    const day = utcDay(new Date(asOf.getTime() - (historyDays - 1 - index) * dayMs));
    const row = byDay.get(day);
    return { day, totals: totalsOf(row ? [row] : []) };
  });
  return {
    today: totalsOf(stored.filter((row) => row.day === today)),
    thisMonth: totalsOf(stored.filter((row) => row.day >= monthStart)),
    days,
    limits: noLimits,
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
