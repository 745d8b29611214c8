/** GetUsage's protobuf answer → the browser's plain JSON (`~/lib/usage-types`). */
import "server-only";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type {
  GetUsageResponse,
  UsageLimits as ProtoUsageLimits,
  UsageTotals as ProtoUsageTotals,
} from "@parley/gen/parley/usage/v1/usage_pb";
import type { UsageLimits, UsageReport, UsageTotals } from "~/lib/usage-types";

/**
 * A uint64 as a JSON-safe number. Past 2^53 a number would silently lose digits; no real counter gets
 * there (9 × 10^15 tokens), so the figure is clamped rather than sent wrong or as a string every chart
 * and formatter would have to parse.
 */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < 0n) return 0;
  return Number(value);
}

function isoTime(timestamp: Timestamp | undefined): string | null {
  return timestamp ? timestampDate(timestamp).toISOString() : null;
}

export function toUsageTotals(totals: ProtoUsageTotals | undefined): UsageTotals {
  return {
    promptTokens: toSafeNumber(totals?.promptTokens ?? 0n),
    completionTokens: toSafeNumber(totals?.completionTokens ?? 0n),
    totalTokens: toSafeNumber(totals?.totalTokens ?? 0n),
    replies: totals?.replies ?? 0,
    estimatedReplies: totals?.estimatedReplies ?? 0,
    costMicros: toSafeNumber(totals?.costMicros ?? 0n),
    currency: totals?.currencyCode || "USD",
  };
}

export function toUsageLimits(limits: ProtoUsageLimits | undefined): UsageLimits {
  return {
    dailyTokens: toSafeNumber(limits?.dailyTokenLimit ?? 0n),
    monthlyTokens: toSafeNumber(limits?.monthlyTokenLimit ?? 0n),
    monthlyCostMicros: toSafeNumber(limits?.monthlyCostLimitMicros ?? 0n),
    dailyTokensLeft: toSafeNumber(limits?.dailyTokensLeft ?? 0n),
    monthlyTokensLeft: toSafeNumber(limits?.monthlyTokensLeft ?? 0n),
    monthlyCostLeftMicros: toSafeNumber(limits?.monthlyCostLeftMicros ?? 0n),
    currency: limits?.currencyCode || "USD",
    dailyResetsAt: isoTime(limits?.dailyResetsAt),
    monthlyResetsAt: isoTime(limits?.monthlyResetsAt),
  };
}

export function toUsageReport(response: GetUsageResponse): UsageReport {
  return {
    today: toUsageTotals(response.today),
    thisMonth: toUsageTotals(response.thisMonth),
    days: response.days.map((day) => ({ date: day.date, totals: toUsageTotals(day.totals) })),
    limits: toUsageLimits(response.limits),
    asOf: isoTime(response.asOf) ?? new Date(0).toISOString(),
  };
}
