/** Counts the tokens of every reply the meter measures, by model, kind and source (provider or estimate). */
import type { UsageMeter } from "../../application/usage/usage-meter.js";
import type { ServiceMetrics } from "./service-metrics.js";

export function countTokens(meter: UsageMeter, metrics: ServiceMetrics): UsageMeter {
  return {
    measure(facts) {
      const usage = meter.measure(facts);
      const labels = { model: metrics.modelLabel(facts.model), source: usage.source };
      if (usage.promptTokens > 0) metrics.tokens.inc({ ...labels, kind: "prompt" }, usage.promptTokens);
      if (usage.completionTokens > 0)
        metrics.tokens.inc({ ...labels, kind: "completion" }, usage.completionTokens);
      return usage;
    },
  };
}
