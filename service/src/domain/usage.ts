/** What a reply (or anything else sent to the model) cost: tokens, where the figure came from, price. */
import type { Usage } from "./chat.js";

/**
 * - provider: the upstream's own figure (`stream_options.include_usage`, sent in the final chunk).
 * - estimate: our count, because the provider's never came (stopped, cut off, interrupted, failed after
 *   the request was accepted, or a server that sends none): the fitted prompt's tokens plus the tokens of
 *   the text actually produced.
 */
export type UsageSource = "provider" | "estimate";

/** What a usage figure is for: a reply, or (later) usage without a reply row, e.g. a generated title. */
export type UsageKind = "reply" | "title";

/** A usage figure as stored: the tokens, whose figure it is, and its estimated cost. */
export interface MeteredUsage extends Usage {
  source: UsageSource;
  /** Estimated cost in millionths of the currency unit (micro-USD), from the model's price. */
  costMicros: number;
}

/** A figure for nothing sent: what a reply refused before the upstream accepted it costs. */
export const noUsage: MeteredUsage = {
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  source: "estimate",
  costMicros: 0,
};

/** The UTC calendar day of `date`, `YYYY-MM-DD`: the day usage is counted on. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
