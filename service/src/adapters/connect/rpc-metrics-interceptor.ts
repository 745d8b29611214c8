/**
 * Counts every RPC by method and final Connect code, and refusals by limit. It runs outermost, so it sees
 * what the caller gets: the mapped ConnectError with its ErrorInfo reason. A streaming call counts when
 * its stream ends (a caller that leaves mid-stream is `canceled`).
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import type { ServiceMetrics } from "../metrics/service-metrics.js";
import { observeStream } from "./observed-stream.js";

export function createRpcMetricsInterceptor(metrics: ServiceMetrics): Interceptor {
  return (next) => async (request) => {
    const method = `${request.service.typeName}/${request.method.name}`;
    const count = (error: unknown) => {
      const code = error === null ? "ok" : codeName(error);
      metrics.rpcs.inc({ method, code });
      const limit = error === null ? null : limitOf(error);
      if (limit !== null) metrics.limitsHit.inc({ limit });
    };
    try {
      const response = await next(request);
      if (response.stream) {
        const ended = (error: unknown) =>
          count(error ?? (request.signal.aborted ? new ConnectError("", Code.Canceled) : null));
        return { ...response, message: observeStream(response.message, { ended }) };
      }
      count(null);
      return response;
    } catch (error) {
      count(error);
      throw error;
    }
  };
}

/** `invalid_argument`, `resource_exhausted`...: the Connect code's name, as the Connect protocol spells it. */
function codeName(error: unknown): string {
  const code = ConnectError.from(error).code;
  return Code[code].replace(/[A-Z]/g, (letter, at: number) => (at > 0 ? "_" : "") + letter.toLowerCase());
}

/** The limit a refusal names (`limit.rate` → `rate`), or null. */
function limitOf(error: unknown): string | null {
  if (!(error instanceof ConnectError)) return null;
  const reason = error.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
  return reason.startsWith("limit.") ? reason.slice("limit.".length) : null;
}
