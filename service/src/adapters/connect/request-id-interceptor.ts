/**
 * Gives every RPC a request id (the caller's `x-request-id`, or a new one), answers it in the
 * `x-request-id` response header, and makes it current while the call, and its stream, run: every log
 * line written for the call carries it.
 */
import type { Interceptor } from "@connectrpc/connect";
import { inRequest, newRequestId } from "../request-context.js";

export const requestIdHeader = "x-request-id";

export function createRequestIdInterceptor(): Interceptor {
  return (next) => async (request) => {
    const requestId = newRequestId(request.header.get(requestIdHeader));
    const response = await inRequest(requestId, () => next(request));
    response.header.set(requestIdHeader, requestId);
    if (!response.stream) return response;
    const source = response.message;
    return {
      ...response,
      message: (async function* () {
        const iterator = source[Symbol.asyncIterator]();
        try {
          for (;;) {
            const step = await inRequest(requestId, () => iterator.next());
            if (step.done) return;
            yield step.value;
          }
        } finally {
          await iterator.return?.();
        }
      })(),
    };
  };
}
