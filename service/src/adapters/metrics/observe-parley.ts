/**
 * What createParley wraps when metrics are on: the model (streams, first tokens, upstream errors), the
 * usage meter (tokens), the hub's observer (replies and their durations) and the live gauges. With
 * metrics off everything passes through unchanged and nothing is reported.
 */
import type { ChatModel } from "../../application/replies/chat-model.js";
import type { ReplyObserver } from "../../application/replies/reply-observer.js";
import type { UsageMeter } from "../../application/usage/usage-meter.js";
import { countTokens } from "./metered-usage-metrics.js";
import { createReplyMetrics } from "./reply-metrics.js";
import type { ServiceMetrics } from "./service-metrics.js";

export interface ObservedParts {
  model: ChatModel;
  meter: UsageMeter;
  observer: ReplyObserver | undefined;
  /** Points the live gauges at the hub. */
  watch(hub: { size: number; watcherCount(): number }): void;
}

export function observeParley(
  metrics: ServiceMetrics | undefined,
  model: ChatModel,
  meter: UsageMeter,
): ObservedParts {
  if (!metrics) return { model, meter, observer: undefined, watch: () => undefined };
  const replies = createReplyMetrics(metrics);
  return {
    model: replies.observe(model),
    meter: countTokens(meter, metrics),
    observer: replies.observer,
    watch(hub) {
      metrics.sources.liveReplies = () => hub.size;
      metrics.sources.watchers = () => hub.watcherCount();
    },
  };
}
