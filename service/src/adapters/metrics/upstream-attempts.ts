/** Counts HTTP attempts at the model's API by outcome, and the retries among them. */
import type { ServiceMetrics } from "./service-metrics.js";

export function countUpstreamAttempts(metrics: ServiceMetrics) {
  return ({ retry, status }: { retry: boolean; status: number | null }): void => {
    if (retry) metrics.upstreamRetries.inc();
    metrics.upstreamAttempts.inc({ outcome: attemptOutcome(status) });
  };
}

function attemptOutcome(status: number | null): string {
  if (status === null) return "error";
  if (status === 429) return "429";
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  return "2xx";
}
