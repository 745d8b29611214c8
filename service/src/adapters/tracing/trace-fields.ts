/** The current span's ids for a log line (`trace_id`, `span_id`), when tracing is on and a span is current. */
import { trace } from "@opentelemetry/api";

export function traceFields(): Record<string, unknown> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
