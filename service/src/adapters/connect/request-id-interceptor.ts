/**
 * Gives every RPC a request id (the caller's `x-request-id`, or a new one), answers it in the
 * `x-request-id` response header, and makes it current while the call, and its stream, run: every log
 * line written for the call carries it.
 */
import type { Interceptor } from "@connectrpc/connect";
import { inRequest, newRequestId } from "../request-context.js";
import { observeStream } from "./observed-stream.js";

export const requestIdHeader = "x-request-id";

export function createRequestIdInterceptor(): Interceptor {
  return (next) => async (request) => {
    const requestId = newRequestId(request.header.get(requestIdHeader));
    const response = await inRequest(requestId, () => next(request));
    response.header.set(requestIdHeader, requestId);
    if (!response.stream) return response;
    return {
      ...response,
      message: observeStream(response.message, { step: (advance) => inRequest(requestId, advance) }),
    };
  };
}
