/**
 * Every RPC as a server span, continuing the caller's trace from its W3C `traceparent` header (gRPC
 * metadata and Connect headers alike). The span is the current context while the handler runs, and for
 * a streaming call while each message is produced, so the turn transaction, the model call and the final
 * write become its children. Only the method and the code are recorded; never the request.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type TextMapGetter } from "@opentelemetry/api";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { failSpan, tracer } from "../tracing/tracer.js";
import { observeStream } from "./observed-stream.js";

const headers: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

export function createRpcTracingInterceptor(): Interceptor {
  return (next) => async (request) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.header, headers);
    const service = request.service.typeName;
    const method = request.method.name;
    const span = tracer.startSpan(
      `${service}/${method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { "rpc.system": "connect_rpc", "rpc.service": service, "rpc.method": method },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const end = (error: unknown) => {
      if (error !== null) {
        failSpan(span, error);
        span.setAttribute("rpc.connect_rpc.error_code", Code[ConnectError.from(error).code]);
      }
      span.end();
    };
    try {
      const response = await context.with(active, () => next(request));
      if (!response.stream) {
        end(null);
        return response;
      }
      return {
        ...response,
        message: observeStream(response.message, {
          step: (advance) => context.with(active, advance),
          ended: end,
        }),
      };
    } catch (error) {
      end(error);
      throw error;
    }
  };
}
