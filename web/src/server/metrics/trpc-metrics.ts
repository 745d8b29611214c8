/** A tRPC middleware counting every call by procedure, type and outcome code. */
import "server-only";
import { webMetrics } from "./web-metrics";

interface MiddlewareOptions {
  path: string;
  type: string;
  next: () => Promise<{ ok: true } | { ok: false; error: { code: string } }>;
}

/** Counts the call once its procedure answered (for a subscription: once it started). */
export async function countTrpcCall<R extends Awaited<ReturnType<MiddlewareOptions["next"]>>>(
  options: Omit<MiddlewareOptions, "next"> & { next: () => Promise<R> },
): Promise<R> {
  const result = await options.next();
  webMetrics().trpcCalls.inc({
    procedure: options.path,
    type: options.type,
    code: result.ok ? "OK" : result.error.code,
  });
  return result;
}
