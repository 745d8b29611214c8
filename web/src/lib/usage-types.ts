/**
 * What the browser sees of a user's usage: plain JSON, no protobuf (the BFF converts GetUsage's answer).
 * Token and cost figures are numbers: the service's 64-bit counters are far below 2^53 in practice, and
 * the BFF clamps anything larger (see `toSafeNumber`) rather than send a wrong number.
 */

/** What was used in a period: a day, today, this month. */
export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  /** promptTokens + completionTokens: what token limits count. */
  totalTokens: number;
  /** Answers that ended in the period, whatever their status. */
  replies: number;
  /** How many of those are Parley's estimate rather than the provider's figure. */
  estimatedReplies: number;
  /** Estimated cost in millionths of `currency` (1 000 000 = 1 USD). */
  costMicros: number;
  /** ISO 4217, e.g. "USD". */
  currency: string;
}

/** One UTC day of the last 30. */
export interface DailyUsage {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  totals: UsageTotals;
}

/** A user's limits and what is left of them; a limit of 0 means none (and then its "left" says nothing). */
export interface UsageLimits {
  dailyTokens: number;
  monthlyTokens: number;
  monthlyCostMicros: number;
  dailyTokensLeft: number;
  monthlyTokensLeft: number;
  monthlyCostLeftMicros: number;
  currency: string;
  /** ISO time of the next UTC midnight; null without a daily limit. */
  dailyResetsAt: string | null;
  /** ISO time of the first of next month (UTC); null without monthly limits. */
  monthlyResetsAt: string | null;
}

/** The answer of `usage.get`. */
export interface UsageReport {
  today: UsageTotals;
  thisMonth: UsageTotals;
  /** The last 30 UTC days, oldest first, today last, days without usage included. */
  days: DailyUsage[];
  limits: UsageLimits;
  /** ISO time the figures were read (the service's clock). */
  asOf: string;
}
