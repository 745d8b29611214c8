/**
 * The service's tracer and small helpers over `@opentelemetry/api`. Without a registered SDK (tracing
 * off) every span is a no-op, but the decorators that make them are not even installed then.
 */
import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";

export const tracer = trace.getTracer("parley-service");

/** Marks `span` failed with the error's stable code (never its message, which may quote input). */
export function failSpan(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute(
    "error.type",
    typeof code === "string" || typeof code === "number" ? String(code) : errorName(error),
  );
  span.setStatus({ code: SpanStatusCode.ERROR });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}
