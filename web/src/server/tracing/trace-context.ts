/**
 * Spans of the BFF: each tRPC call (a subscription's span lasts as long as its stream, and is the
 * current context while the stream works, so the Connect call it makes is its child), and each Connect
 * call to the service, which carries the W3C `traceparent` (and the request id) in its gRPC metadata. Without a registered
 * SDK these are no-ops. Never records input, only procedure and method names and codes.
 */
import "server-only";
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from "@opentelemetry/api";
import type { Interceptor } from "@connectrpc/connect";
import { currentRequestId, requestIdHeader } from "../request-context";

const tracer = trace.getTracer("parley-web");

type Result = { ok: true; data?: unknown } | { ok: false; error: { code: string } };

export async function traceTrpcCall<R extends Result>(options: {
  path: string;
  type: string;
  next: () => Promise<R>;
}): Promise<R> {
  const span = tracer.startSpan(`tRPC ${options.path}`, {
    kind: SpanKind.SERVER,
    attributes: { "rpc.system": "trpc", "rpc.method": options.path, "parley.trpc.type": options.type },
  });
  const active = trace.setSpan(context.active(), span);
  const result = await context.with(active, options.next);
  if (!result.ok) {
    span.setAttribute("error.type", result.error.code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  const data = result.ok ? result.data : undefined;
  // Without a tracing SDK the span is a no-op with an invalid context: nothing to make current, so the
  // events are not re-yielded through another generator (a cost on every event of every stream).
  if (
    options.type === "subscription" &&
    isAsyncIterable(data) &&
    trace.isSpanContextValid(span.spanContext())
  ) {
    return { ...result, data: inContext(active, data, () => span.end()) };
  }
  span.end();
  return result;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

async function* inContext<T>(
  active: Context,
  source: AsyncIterable<T>,
  ended: () => void,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await context.with(active, () => iterator.next());
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await context.with(active, async () => iterator.return?.());
    ended();
  }
}

/**
 * A span for an email sign-in, with how it ended (`ok`, `failed`: wrong email or password, `locked`: a
 * limit refused it, `other`) and the HTTP status; never the email or the password.
 */
export async function traceSignIn(run: () => Promise<Response>): Promise<Response> {
  const span = tracer.startSpan("sign-in email", { attributes: { "parley.auth.method": "email" } });
  try {
    const response = await context.with(trace.setSpan(context.active(), span), run);
    const { status } = response;
    span.setAttribute("http.response.status_code", status);
    span.setAttribute(
      "parley.auth.outcome",
      response.ok ? "ok" : status === 401 ? "failed" : status === 429 ? "locked" : "other",
    );
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** A client span per Connect call to the service, its context sent as `traceparent`. */
export const traceConnectCalls: Interceptor = (next) => async (request) => {
  const method = `${request.service.typeName}/${request.method.name}`;
  const span = tracer.startSpan(method, {
    kind: SpanKind.CLIENT,
    attributes: { "rpc.system": "connect_rpc", "rpc.method": request.method.name },
  });
  const active = trace.setSpan(context.active(), span);
  propagation.inject(active, request.header, { set: (headers, key, value) => headers.set(key, value) });
  // The browser's request id goes on to the service: its log lines for this call carry the same id.
  const requestId = currentRequestId();
  if (requestId !== null) request.header.set(requestIdHeader, requestId);
  try {
    const response = await next(request);
    if (!response.stream) {
      span.end();
      return response;
    }
    const source = response.message;
    return {
      ...response,
      message: (async function* () {
        try {
          yield* source;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      })(),
    };
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    throw error;
  }
};
