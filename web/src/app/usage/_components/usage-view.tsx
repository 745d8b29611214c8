"use client";

import { useQuery } from "@tanstack/react-query";
import { ChartColumn } from "lucide-react";
import { PageHeader } from "~/components/page-header";
import { ErrorBanner } from "~/app/chat/_components/error-banner";
import { Spinner } from "~/components/spinner";
import { errorMessage, useTRPC } from "~/trpc/client";
import { PeriodCard } from "./period-card";
import { UsageChart } from "./usage-chart";

/**
 * The usage page: today and this month against the limits, and the last 30 days as a chart with a
 * table for screen readers. Figures come from the service (`usage.get`); days are UTC days there.
 */
export function UsageView() {
  const trpc = useTRPC();
  const usage = useQuery(trpc.usage.get.queryOptions());

  return (
    <main className="mx-auto w-full max-w-4xl px-4 py-8 sm:px-6">
      <PageHeader icon={ChartColumn} title="Usage" />
      <p className="mt-2 text-sm leading-relaxed text-muted">
        What your answers have used: tokens sent to the model and written by it, and what they cost, estimated
        from the operator&apos;s prices. Days are counted in UTC; stopped and cut-off answers count too.
      </p>

      {usage.isPending && (
        <div role="status" className="mt-10 flex items-center justify-center gap-2 text-sm text-muted">
          <Spinner />
          Loading your usage…
        </div>
      )}
      {usage.isError && (
        <div className="mt-8">
          <ErrorBanner
            message={`Could not load your usage. ${errorMessage(usage.error)}`}
            onRetry={() => void usage.refetch()}
          />
        </div>
      )}
      {usage.isSuccess && (
        <>
          <div className="mt-8 grid gap-4 sm:grid-cols-2">
            <PeriodCard
              id="today"
              title="Today"
              totals={usage.data.today}
              tokenLimit={usage.data.limits.dailyTokens}
              tokensLeft={usage.data.limits.dailyTokensLeft}
              costLimitMicros={0}
              costLeftMicros={0}
              resetsAt={usage.data.limits.dailyResetsAt}
            />
            <PeriodCard
              id="month"
              title="This month"
              totals={usage.data.thisMonth}
              tokenLimit={usage.data.limits.monthlyTokens}
              tokensLeft={usage.data.limits.monthlyTokensLeft}
              costLimitMicros={usage.data.limits.monthlyCostMicros}
              costLeftMicros={usage.data.limits.monthlyCostLeftMicros}
              resetsAt={usage.data.limits.monthlyResetsAt}
            />
          </div>
          <UsageChart days={usage.data.days} />
        </>
      )}
    </main>
  );
}
