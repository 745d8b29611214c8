/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: then the SDK is loaded (a
 * dynamic import, so a service without tracing never loads it), spans go over OTLP/HTTP (JSON) to
 * `<endpoint>/v1/traces`, and W3C trace context is the propagator. Traces only: no OTel metrics or logs
 * (metrics are Prometheus's). The SDK also honours the standard OTEL_* variables (e.g.
 * OTEL_BSP_SCHEDULE_DELAY, OTEL_TRACES_SAMPLER).
 */
export interface TracingSettings {
  /** The OTLP/HTTP base URL, e.g. http://jaeger:4318; null: tracing is off. */
  endpoint: string | null;
  serviceName: string;
}

export interface Tracing {
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

export async function startTracing(settings: TracingSettings): Promise<Tracing | null> {
  if (settings.endpoint === null) return null;
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, "")}/v1/traces` }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
