/**
 * The service's tracer and small helpers over `@opentelemetry/api`. Without a registered SDK (tracing
 * off) every span is a no-op, but the decorators that make them are not even installed then.
 */
import { context, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";

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

/**
 * Iterates `source` with `active` as the current context at every step, so what the stream's producer
 * does (queries, the model call) belongs to the span; `ended` is told how it ended.
 */
export async function* inContext<T>(
  active: Context,
  source: AsyncIterable<T>,
  ended: (error: unknown) => void,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let failure: unknown = null;
  try {
    for (;;) {
      const next = await context.with(active, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (failure === null) await context.with(active, async () => iterator.return?.());
    ended(failure);
  }
}
