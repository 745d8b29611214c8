/** usage.*: the signed-in user's use of the model (tokens, answers, estimated cost) and their limits. */
import "server-only";
import type { UsageReport } from "~/lib/usage-types";
import { toUsageReport } from "../../service/usage-view";
import { callService } from "../connect-errors";
import { createRouter, protectedProcedure } from "../init";

const unaryTimeoutMs = 15_000;

export const usageRouter = createRouter({
  /** Today, this month, the last 30 days and the limits, as GetUsage reports them. */
  get: protectedProcedure.query(async ({ ctx }): Promise<UsageReport> => {
    const usage = await callService(ctx.log, "GetUsage", () =>
      ctx.usage.getUsage({ userId: ctx.userId }, { timeoutMs: unaryTimeoutMs }),
    );
    return toUsageReport(usage);
  }),
});
