/**
 * The one boundary between the use cases' errors and Connect, for every RPC: an interceptor that maps
 * what a unary call throws, and wraps a streaming call's response so what its stream throws is mapped
 * too. A domain error keeps its message (written for people) and travels with its stable code as a
 * `google.rpc.ErrorInfo` detail (reason = the code, domain = "parley"); causes are logged, never sent.
 * A refusal that passes with time (a limit) adds a `google.rpc.RetryInfo` with how long to wait.
 */
import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextKey,
  type ContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import type { Logger } from "../../application/ports.js";
import { withFields } from "../../application/log-fields.js";
import { requestLogFields } from "./request-id-interceptor.js";
import { DomainError, type DomainErrorCode } from "../../domain/errors.js";

/** `ErrorInfo.domain` of every error Parley raises. */
export const errorDomain = "parley";

const codes: Record<DomainErrorCode, Code> = {
  "argument.invalid": Code.InvalidArgument,
  "message.empty": Code.InvalidArgument,
  "message.too_long": Code.InvalidArgument,
  "message.exceeds_context": Code.InvalidArgument,
  "model.unknown": Code.InvalidArgument,
  "chat.not_found": Code.NotFound,
  "reply.not_found": Code.NotFound,
  "message.not_found": Code.NotFound,
  "message.not_editable": Code.InvalidArgument,
  "message.too_many_versions": Code.FailedPrecondition,
  "reply.in_progress": Code.FailedPrecondition,
  "request.id_reused": Code.InvalidArgument,
  "key.not_found": Code.NotFound,
  "key.user_mismatch": Code.PermissionDenied,
  "key.not_allowed": Code.PermissionDenied,
  "service.shutting_down": Code.Unavailable,
  "server.overloaded": Code.Unavailable,
  "upstream.unavailable": Code.Unavailable,
  "upstream.rejected": Code.InvalidArgument,
  "upstream.misconfigured": Code.Internal,
  "upstream.interrupted": Code.Unavailable,
  "storage.unavailable": Code.Unavailable,
  "hub.unavailable": Code.Unavailable,
  "limit.concurrent_replies": Code.ResourceExhausted,
  "limit.rate": Code.ResourceExhausted,
  "limit.daily_tokens": Code.ResourceExhausted,
  "limit.monthly_tokens": Code.ResourceExhausted,
  "limit.monthly_cost": Code.ResourceExhausted,
  "account.blocked": Code.PermissionDenied,
  "import.invalid": Code.InvalidArgument,
  "import.busy": Code.ResourceExhausted,
  "instructions.too_long": Code.InvalidArgument,
  "preset.not_found": Code.NotFound,
  "preset.name_taken": Code.AlreadyExists,
  "preset.too_many": Code.ResourceExhausted,
  "watch.too_many": Code.ResourceExhausted,
};

/** Converts anything a use case throws into a ConnectError that is safe to send. */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof DomainError) {
    if (error.cause) logger.warn(error.message, { code: error.code, cause: String(error.cause) });
    const metadata = Object.fromEntries(Object.entries(error.details).map(([k, v]) => [k, String(v)]));
    const info = create(ErrorInfoSchema, { reason: error.code, domain: errorDomain, metadata });
    const retry = error.retryAfterMs === null ? [] : [retryInfo(error.retryAfterMs)];
    return new ConnectError(error.message, codes[error.code], undefined, [
      { desc: ErrorInfoSchema, value: info },
      ...retry.map((value) => ({ desc: RetryInfoSchema, value })),
    ]);
  }
  if (error instanceof Error && error.name === "AbortError")
    return new ConnectError("the call was canceled", Code.Canceled);
  logger.error("unexpected error in an RPC", {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new ConnectError("internal error", Code.Internal);
}

/** A `google.rpc.RetryInfo` saying to wait `ms` (whole milliseconds, as a Duration). */
function retryInfo(ms: number) {
  const delay = create(DurationSchema, {
    seconds: BigInt(Math.floor(ms / 1000)),
    nanos: (ms % 1000) * 1_000_000,
  });
  return create(RetryInfoSchema, { retryDelay: delay });
}

/**
 * The error interceptor's mapping for one streaming call, left in its context values for a response
 * stream that maps what it throws itself (the reply streams, reply-stream.ts): one iterator fewer for
 * each message to cross. `claimed` tells the interceptor the stream took it.
 */
interface StreamErrorMapping {
  readonly map: (error: unknown) => Error;
  claimed: boolean;
}

const streamErrorMapping = createContextKey<StreamErrorMapping | null>(null, {
  description: "the error interceptor's mapping for the call's response stream",
});

/**
 * The mapping a streaming handler's own response stream applies to what it throws, when the error
 * interceptor runs around the call (null otherwise: nothing is mapped here, as without the
 * interceptor). Claimed before the handler returns, the interceptor then leaves the stream as it is.
 */
export function claimStreamErrorMapping(values: ContextValues): ((error: unknown) => Error) | null {
  const mapping = values.get(streamErrorMapping);
  if (!mapping) return null;
  mapping.claimed = true;
  return mapping.map;
}

/** Maps every error of every RPC, thrown by the call or by its response stream, with toConnectError. */
export function createErrorInterceptor(logger: Logger): Interceptor {
  return (next) => async (request) => {
    /** A failure after the caller left (e.g. a write to its destroyed HTTP/2 stream) is its cancellation. */
    const map = (error: unknown) =>
      request.signal.aborted && !(error instanceof DomainError) && !(error instanceof ConnectError)
        ? new ConnectError("the call was canceled", Code.Canceled)
        : toConnectError(error, withFields(logger, requestLogFields(request.contextValues)));
    const mapping: StreamErrorMapping | null = request.stream ? { map, claimed: false } : null;
    if (mapping) request.contextValues.set(streamErrorMapping, mapping);
    try {
      const response = await next(request);
      return response.stream && !mapping?.claimed
        ? { ...response, message: new ErrorsMapped(response.message, map) }
        : response;
    } catch (error) {
      throw map(error);
    }
  };
}

/**
 * `stream` with what it throws mapped: one object, its own iterator, rather than an async generator or
 * closures, since it lives as long as the stream and sees every message (docs/benchmarks.md,
 * "Per-stream memory"). Connect iterates it once and calls only `next` and, when it stops early,
 * `return`.
 */
class ErrorsMapped<T> implements AsyncIterable<T>, AsyncIterator<T> {
  private iterator: AsyncIterator<T> | null = null;

  constructor(
    private readonly stream: AsyncIterable<T>,
    private readonly map: (error: unknown) => Error,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    this.iterator ??= this.stream[Symbol.asyncIterator]();
    try {
      return await this.iterator.next();
    } catch (error) {
      throw this.map(error);
    }
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    try {
      return (await this.iterator?.return?.(value)) ?? { done: true, value: value as T };
    } catch (error) {
      throw this.map(error);
    }
  }
}
