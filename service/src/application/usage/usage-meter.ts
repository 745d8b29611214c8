/**
 * How much a reply cost, whatever way it ended: the provider's figure when it came, otherwise our own
 * count, marked as an estimate. Used by the reply job at its final write and by the lease sweeper for
 * replies whose owner died (the MySQL adapter is given this meter).
 */
import type { Usage } from "../../domain/chat.js";
import { noUsage, type MeteredUsage } from "../../domain/usage.js";
import {
  costMicros,
  modelPrice,
  type Encoding,
  type ModelCatalog,
  type PriceTable,
} from "../model-catalog.js";
import type { TokenCounter } from "../ports.js";

/** What is known about a reply when it ends. */
export interface ReplyUsageFacts {
  model: string;
  /** The provider's figure, when its final chunk came. */
  reported: Usage | null;
  /** The fitted prompt's tokens (ContextFitter.promptTokens): what was sent. */
  promptTokens: number;
  /** The text actually produced (its tokens are the completion estimate). */
  text: string;
  /** The tokens of `text`, when the caller counted them already. */
  textTokens?: number;
  /**
   * Whether the upstream accepted the request (answered 200 and began its stream). A request refused
   * before that — 400, 401, 429 or 5xx after retries, connection refused — is not billed and costs 0;
   * once accepted, the prompt was processed and is billed even if no text followed.
   */
  accepted: boolean;
}

export interface UsageMeter {
  /** The usage to store for a reply that ended with `facts`. */
  measure(facts: ReplyUsageFacts): MeteredUsage;
}

/** The configured models: a model of the catalog is priced and counted as configured. */
export interface MeteredModels {
  catalog: ModelCatalog;
  counterFor(encoding: Encoding): TokenCounter;
}

/**
 * A meter pricing by `prices` (over the defaults) and counting with `tokenCounter`, except for the
 * models of `models`, which have their own price and encoding.
 */
export function createUsageMeter(
  tokenCounter: TokenCounter,
  prices: PriceTable = {},
  models?: MeteredModels,
): UsageMeter {
  return {
    measure({ model, reported, promptTokens, text, textTokens, accepted }) {
      const entry = models?.catalog.find(model);
      const price = entry?.price ?? modelPrice(model, prices);
      const counter = entry && models ? models.counterFor(entry.encoding) : tokenCounter;
      if (reported) {
        const { promptTokens: input, completionTokens: output } = reported;
        return { ...reported, source: "provider", costMicros: costMicros(price, input, output) };
      }
      if (!accepted && text.length === 0) return noUsage;
      const completionTokens = textTokens ?? (text.length === 0 ? 0 : counter.count(text));
      return {
        promptTokens,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
        source: "estimate",
        costMicros: costMicros(price, promptTokens, completionTokens),
      };
    },
  };
}
