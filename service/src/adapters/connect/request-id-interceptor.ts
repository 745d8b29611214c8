/**
 * Gives every RPC a request id (the caller's `x-request-id`, or a new one), answers it in the
 * `x-request-id` response header, and hands it to the handler through Connect's context values: the
 * handler passes it on with the work it starts (see application/log-fields.ts), so every log line
 * written for the call — by its use case, its reply job, its model calls and its errors — carries it.
 */
import { createContextKey, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { LogFields } from "../../application/log-fields.js";

export const requestIdHeader = "x-request-id";

/** null until the interceptor has run (a handler called without it: its lines carry no id). */
const requestIdKey = createContextKey<string | null>(null, { description: "request id" });

/** A caller's id is kept when it is short and plain; anything else is replaced (it lands in logs). */
const saneId = /^[\w.:-]{1,64}$/;

export function newRequestId(offered: string | null): string {
  return offered !== null && saneId.test(offered) ? offered : randomUUID();
}

export function createRequestIdInterceptor(): Interceptor {
  return (next) => async (request) => {
    const requestId = newRequestId(request.header.get(requestIdHeader));
    request.contextValues.set(requestIdKey, requestId);
    const response = await next(request);
    response.header.set(requestIdHeader, requestId);
    return response;
  };
}

/** The fields that name an RPC on its log lines (`{ request_id }`), from its context values. */
export function requestLogFields(values: ContextValues): LogFields {
  const requestId = values.get(requestIdKey);
  return requestId === null ? {} : { request_id: requestId };
}
