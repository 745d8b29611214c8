/**
 * The one mapping from what the `openai` SDK throws to the DomainError codes of the ChatModel port.
 * Messages are written for the person waiting on the reply; upstream bodies (which can echo the API key)
 * never reach them, and the API key never reaches the log either: only status, request id and codes do.
 */
import { APIConnectionError, APIError } from "openai";
import type { Logger } from "../../application/ports.js";
import { DomainError } from "../../domain/errors.js";

/** Where the stream was when it failed. */
export interface FailureContext {
  /** Our idle timer fired: no chunk within `idleTimeoutMs`. */
  stalled: boolean;
  /** At least one text delta reached the caller, so the answer is partial. */
  sawDelta: boolean;
  idleTimeoutMs: number;
  logger: Logger | undefined;
}

/** Maps a failure (not the caller's own abort, which is rethrown as is) to a DomainError. */
export function toUpstreamError(error: unknown, context: FailureContext): DomainError {
  const { logger } = context;
  if (context.stalled) {
    logger?.warn("openai stream stalled", {
      idleTimeoutMs: context.idleTimeoutMs,
      sawDelta: context.sawDelta,
    });
    const seconds = Math.round(context.idleTimeoutMs / 100) / 10;
    return new DomainError(
      "upstream.unavailable",
      `the model stopped responding (nothing for ${seconds} s); please try again`,
      { idleTimeoutMs: context.idleTimeoutMs },
    );
  }
  if (error instanceof APIError && error.status !== undefined) return fromStatus(error, error.status, logger);
  if (error instanceof APIConnectionError) {
    logger?.warn("openai unreachable", { error: error.message, cause: String(error.cause) });
    return new DomainError(
      "upstream.unavailable",
      "the model service could not be reached; please try again",
      {},
      { cause: error },
    );
  }
  // After the headers: a reset (the socket's `ECONNRESET`), a chunk that is not JSON, an `error` event.
  logger?.warn("openai stream broke", {
    error: String(error),
    sawDelta: context.sawDelta,
    ...apiFields(error),
  });
  return context.sawDelta
    ? new DomainError(
        "upstream.interrupted",
        "the model's answer was cut off by an upstream error",
        {},
        { cause: error },
      )
    : new DomainError(
        "upstream.unavailable",
        "the model service failed before answering; please try again",
        {},
        { cause: error },
      );
}

/** HTTP errors, which the SDK only raises before the stream began (and after its retries). */
function fromStatus(error: APIError, status: number, logger: Logger | undefined): DomainError {
  const fields = { status, ...apiFields(error) };
  const details = { status };
  if (status === 401 || status === 403 || status === 404 || error.code === "insufficient_quota") {
    // An operator must act (key, project, model name or billing); the upstream text stays out of the log.
    logger?.error("openai rejected the service's credentials or model", fields);
    return new DomainError(
      "upstream.misconfigured",
      "the model service refused this server's configuration (API key, model or quota); an operator has to fix it",
      details,
    );
  }
  if (status === 408 || status === 409 || status === 429 || status >= 500) {
    logger?.warn("openai unavailable after retries", fields);
    return new DomainError(
      "upstream.unavailable",
      "the model service is busy or unavailable; please try again",
      details,
    );
  }
  if (isContextLengthError(error)) {
    logger?.warn("openai context length exceeded", fields);
    return new DomainError(
      "upstream.rejected",
      "the conversation is too long for the model; start a new chat or send a shorter message",
      { ...details, reason: "context_length_exceeded" },
    );
  }
  logger?.warn("openai rejected the request", { ...fields, message: error.message });
  return new DomainError("upstream.rejected", "the model service rejected the request", details);
}

/** OpenAI says `context_length_exceeded`; compatible servers often only say it in words. */
function isContextLengthError(error: APIError): boolean {
  return (
    error.code === "context_length_exceeded" || /context (length|window)|maximum context/i.test(error.message)
  );
}

function apiFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof APIError)) return {};
  return { requestId: error.requestID, code: error.code, type: error.type };
}
