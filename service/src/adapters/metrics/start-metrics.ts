/** Turns metrics on when METRICS_PORT is set: the registry, the database pool's figures, the endpoint. */
import type { Logger } from "../../application/ports.js";
import { observePool } from "../mysql/pool-metrics.js";
import { createMetricsServer } from "./metrics-server.js";
import { createServiceMetrics, type ServiceMetrics } from "./service-metrics.js";
import { countUpstreamAttempts } from "./upstream-attempts.js";

export interface StartedMetrics {
  metrics: ServiceMetrics;
  onAttempt: ReturnType<typeof countUpstreamAttempts>;
  close(): Promise<void>;
}

export async function startMetrics(
  config: { models: readonly string[]; metrics: { port: number; host: string } | null },
  pools: Parameters<typeof observePool>[0],
  logger: Logger,
): Promise<StartedMetrics | null> {
  if (config.metrics === null) return null;
  // Each configured model gets its own label (a bounded set: the models file holds at most 200); any
  // other model a request names is counted as "other".
  const metrics = createServiceMetrics({ models: config.models });
  observePool(pools, metrics);
  const server = createMetricsServer(metrics.registry);
  const address = await server.listen(config.metrics.port, config.metrics.host);
  logger.info(`Prometheus metrics at http://${config.metrics.host}:${address.port}/metrics`);
  return { metrics, onAttempt: countUpstreamAttempts(metrics), close: () => server.close() };
}
