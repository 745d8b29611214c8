/**
 * The web app's OpenTelemetry tracing, started by its Node server (server.ts) only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: then the SDK is loaded (a dynamic import; without the setting it
 * never is) and spans go over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`, W3C trace context propagating
 * to the service. Next's own spans join the same traces. WEB_OTEL_SERVICE_NAME names it (default
 * parley-web; the service has OTEL_SERVICE_NAME, so one .env can serve both).
 */
export interface WebTracing {
  shutdown(): Promise<void>;
}

export async function startWebTracing(env: Record<string, string | undefined>): Promise<WebTracing | null> {
  const endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim();
  if (!endpoint) return null;
  if (!/^https?:\/\/[^/]/.test(endpoint))
    throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL, not "${endpoint}"`);
  const [{ NodeSDK, tracing }, { OTLPTraceExporter }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env["WEB_OTEL_SERVICE_NAME"]?.trim() || "parley-web",
    spanProcessors: [
      withoutQueries,
      new tracing.BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` }),
      ),
    ],
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * Next records each request's URL (`http.target`), query string included, and a tRPC subscription's
 * input (the message text) travels in the query: the query is cut before any processor exports the span.
 */
const withoutQueries = {
  onStart(span: { attributes: Record<string, unknown>; setAttribute(key: string, value: string): unknown }) {
    for (const key of ["http.target", "http.url", "url.full", "url.query"]) {
      const value = span.attributes[key];
      if (typeof value === "string" && (key === "url.query" || value.includes("?")))
        span.setAttribute(key, key === "url.query" ? "" : value.slice(0, value.indexOf("?")));
    }
  },
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
