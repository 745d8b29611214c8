/** The one mapping from domain errors to HTTP statuses and JSON error bodies, for plain HTTP endpoints. */
import type { Logger } from "../../application/ports.js";
import { DomainError, type DomainErrorCode } from "../../domain/errors.js";

const statuses: Record<DomainErrorCode, number> = {
  "argument.invalid": 400,
  "message.empty": 400,
  "message.too_long": 400,
  "message.exceeds_context": 400,
  "model.unknown": 400,
  "chat.not_found": 404,
  "reply.not_found": 404,
  "message.not_found": 404,
  "message.not_editable": 400,
  "message.too_many_versions": 409,
  "reply.in_progress": 409,
  "request.id_reused": 400,
  "key.not_found": 404,
  "key.user_mismatch": 403,
  "key.not_allowed": 403,
  "service.shutting_down": 503,
  "server.overloaded": 503,
  "upstream.unavailable": 503,
  "upstream.rejected": 400,
  "upstream.misconfigured": 500,
  "upstream.interrupted": 503,
  "storage.unavailable": 503,
  "hub.unavailable": 503,
  "limit.concurrent_replies": 429,
  "limit.rate": 429,
  "limit.daily_tokens": 429,
  "limit.monthly_tokens": 429,
  "limit.monthly_cost": 429,
  "account.blocked": 403,
  "import.invalid": 400,
  "import.busy": 429,
  "instructions.too_long": 400,
  "preset.not_found": 404,
  "preset.name_taken": 409,
  "preset.too_many": 429,
  "watch.too_many": 429,
};

export interface HttpError {
  status: number;
  body: { error: { code: string; message: string; reset_at?: string } };
  /** Seconds to wait (the `Retry-After` header), for refusals that pass with time. */
  retryAfterSeconds?: number;
}

export function httpStatusOf(code: DomainErrorCode): number {
  return statuses[code];
}

export function toHttpError(error: unknown, logger: Logger): HttpError {
  if (error instanceof DomainError) {
    const body = { error: { code: error.code, message: error.message } };
    if (error.retryAfterMs === null) return { status: statuses[error.code], body };
    const resetAt = error.details["resetAt"];
    return {
      status: statuses[error.code],
      body: { error: { ...body.error, ...(typeof resetAt === "string" && { reset_at: resetAt }) } },
      retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
    };
  }
  logger.error("unexpected error in an HTTP endpoint", {
    error: error instanceof Error ? error.stack : String(error),
  });
  return { status: 500, body: { error: { code: "internal", message: "internal error" } } };
}

export const httpError = (status: number, code: string, message: string): HttpError => ({
  status,
  body: { error: { code, message } },
});
