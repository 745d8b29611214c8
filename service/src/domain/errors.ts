/**
 * The errors a user can cause or meet, each with a stable code. Adapters map codes to their protocol's
 * status (Connect code, HTTP status) in exactly one place each; messages are safe to show to a person.
 */

export type DomainErrorCode =
  | "argument.invalid"
  | "message.empty"
  | "message.too_long"
  | "message.exceeds_context"
  | "chat.not_found"
  | "reply.not_found"
  | "reply.in_progress"
  | "key.not_found"
  | "key.user_mismatch"
  | "key.not_allowed"
  | "service.shutting_down"
  | "upstream.unavailable"
  | "upstream.rejected"
  | "upstream.misconfigured"
  | "upstream.interrupted"
  | "storage.unavailable"
  | "hub.unavailable";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DomainError";
  }
}

export const invalidArgument = (message: string) => new DomainError("argument.invalid", message);

export const chatNotFound = (chatId: string) =>
  new DomainError("chat.not_found", `chat ${chatId} not found`, { chatId });

export const replyNotFound = (replyId: string) =>
  new DomainError("reply.not_found", `reply ${replyId} not found`, { replyId });

export const replyInProgress = (chatId: string, replyId: string) =>
  new DomainError(
    "reply.in_progress",
    `chat ${chatId} is still answering (reply ${replyId}); wait for it, watch it or stop it before sending`,
    { chatId, replyId },
  );

export const shuttingDown = () =>
  new DomainError("service.shutting_down", "the service is shutting down; retry on another instance");

/** The shared hub of live replies (Redis) cannot be reached, or no longer has what was asked for. */
export const hubUnavailable = (what: string) =>
  new DomainError("hub.unavailable", `${what}; try again shortly`);

export const offsetBeyondReply = (offset: number, length: number) =>
  new DomainError("argument.invalid", `from_offset ${offset} is beyond the reply's ${length} characters`, {
    offset,
    length,
  });

export const apiKeyNotFound = (keyId: string) =>
  new DomainError("key.not_found", `API key ${keyId} not found`, { keyId });

/** A call made with a personal API key named a `user_id` other than the key's own. */
export const keyUserMismatch = () =>
  new DomainError(
    "key.user_mismatch",
    "this API key acts for its own user only: leave user_id empty or name the key's user",
  );

/** Personal API keys cannot manage keys (a leaked key must not mint more or revoke the others). */
export const keyNotAllowed = () =>
  new DomainError(
    "key.not_allowed",
    "API keys cannot manage API keys: use the web app, or the service token (admin CLI)",
  );
