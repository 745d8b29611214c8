/**
 * The one mapping from domain errors to Connect codes. Causes are logged, never sent: a client sees the
 * domain error's own message (written for people) or a generic one.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "../../application/ports.js";
import { DomainError, type DomainErrorCode } from "../../domain/errors.js";

const codes: Record<DomainErrorCode, Code> = {
  "argument.invalid": Code.InvalidArgument,
  "message.empty": Code.InvalidArgument,
  "message.too_long": Code.InvalidArgument,
  "message.exceeds_context": Code.InvalidArgument,
  "chat.not_found": Code.NotFound,
  "reply.not_found": Code.NotFound,
  "reply.in_progress": Code.FailedPrecondition,
  "service.shutting_down": Code.Unavailable,
  "upstream.unavailable": Code.Unavailable,
  "upstream.rejected": Code.InvalidArgument,
  "upstream.misconfigured": Code.Internal,
  "upstream.interrupted": Code.Unavailable,
  "storage.unavailable": Code.Unavailable,
};

export function connectCode(code: DomainErrorCode): Code {
  return codes[code];
}

/** Converts anything thrown by a use case into a ConnectError that is safe to send. */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof DomainError) {
    if (error.cause) logger.warn(error.message, { code: error.code, cause: String(error.cause) });
    return new ConnectError(error.message, codes[error.code]);
  }
  if (error instanceof Error && error.name === "AbortError")
    return new ConnectError("the call was canceled", Code.Canceled);
  logger.error("unexpected error in an RPC", {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new ConnectError("internal error", Code.Internal);
}
