/**
 * The Redis reply bus's metrics, registered only when the bus is on (REDIS_URL): how late live text
 * reaches a follower on another replica (the owner stamps each live message with its wall-clock time, the
 * follower observes now − stamp), and how often the owner's connection to Redis went away.
 */
import { Counter, Histogram } from "prom-client";
import type { ServiceMetrics } from "./service-metrics.js";

/** Seconds: same-host Redis in a millisecond, a loaded cluster in tens, a stalled one in seconds. */
const lagBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export interface ReplyBusMetrics {
  liveLag(ms: number): void;
  outage(): void;
}

export function observeReplyBus(metrics: ServiceMetrics): ReplyBusMetrics {
  const registers = [metrics.registry];
  const lag = new Histogram({
    name: "parley_reply_bus_live_lag_seconds",
    help: "How late a follower receives a live entry of a reply owned by another replica (sender's wall clock to the follower's; clocks skewed backwards count as 0).",
    buckets: lagBuckets,
    registers,
  });
  const outages = new Counter({
    name: "parley_reply_bus_outages_total",
    help: "Times the owner's connection to Redis went away (each outage once, however long).",
    registers,
  });
  return {
    liveLag: (ms) => lag.observe(Math.max(0, ms) / 1000),
    outage: () => outages.inc(),
  };
}
