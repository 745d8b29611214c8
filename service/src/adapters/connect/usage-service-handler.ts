/**
 * `parley.usage.v1.UsageService` over the getUsage use case. Errors are mapped by the error interceptor
 * (connect-errors.ts), as for every service; the auth interceptor guards it like ChatService.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import type { GetUsageInput, UsageReport, UsageTotals } from "../../application/usage/get-usage.js";

/** What the handler needs: the use case, bound to its dependencies. */
export interface UsageUseCases {
  getUsage(input: GetUsageInput): Promise<UsageReport>;
}

export function createUsageServiceHandler(useCases: UsageUseCases): ServiceImpl<typeof UsageService> {
  return {
    async getUsage(request) {
      const report = await useCases.getUsage({ userId: request.userId });
      const { currencyCode, limits } = report;
      const totals = (t: UsageTotals) => ({
        promptTokens: BigInt(t.promptTokens),
        completionTokens: BigInt(t.completionTokens),
        totalTokens: BigInt(t.totalTokens),
        replies: t.replies,
        estimatedReplies: t.estimatedReplies,
        costMicros: BigInt(t.costMicros),
        currencyCode,
      });
      return {
        today: totals(report.today),
        thisMonth: totals(report.thisMonth),
        days: report.days.map(({ day, totals: t }) => ({ date: day, totals: totals(t) })),
        limits: {
          dailyTokenLimit: BigInt(limits.dailyTokenLimit),
          monthlyTokenLimit: BigInt(limits.monthlyTokenLimit),
          monthlyCostLimitMicros: BigInt(limits.monthlyCostLimitMicros),
          dailyTokensLeft: BigInt(limits.dailyTokensLeft),
          monthlyTokensLeft: BigInt(limits.monthlyTokensLeft),
          monthlyCostLeftMicros: BigInt(limits.monthlyCostLeftMicros),
          currencyCode,
          dailyResetsAt: limits.dailyResetsAt ? timestampFromDate(limits.dailyResetsAt) : undefined,
          monthlyResetsAt: limits.monthlyResetsAt ? timestampFromDate(limits.monthlyResetsAt) : undefined,
          concurrentRepliesLimit: limits.concurrentRepliesLimit,
          messagesPerMinuteLimit: limits.messagesPerMinuteLimit,
        },
        asOf: timestampFromDate(report.asOf),
      };
    },
  };
}
