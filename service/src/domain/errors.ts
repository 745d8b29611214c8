/**
 * The errors a user can cause or meet, each with a stable code. Adapters map codes to their protocol's
 * status (Connect code, HTTP status) in exactly one place each; messages are safe to show to a person.
 */

export type DomainErrorCode =
  | "argument.invalid"
  | "message.empty"
  | "message.too_long"
  | "message.exceeds_context"
  | "model.unknown"
  | "chat.not_found"
  | "reply.not_found"
  | "message.not_found"
  | "message.not_editable"
  | "message.too_many_versions"
  | "reply.in_progress"
  | "request.id_reused"
  | "key.not_found"
  | "key.user_mismatch"
  | "key.not_allowed"
  | "service.shutting_down"
  | "server.overloaded"
  | "upstream.unavailable"
  | "upstream.rejected"
  | "upstream.misconfigured"
  | "upstream.interrupted"
  | "storage.unavailable"
  | "hub.unavailable"
  | "limit.concurrent_replies"
  | "limit.rate"
  | "limit.daily_tokens"
  | "limit.monthly_tokens"
  | "limit.monthly_cost"
  | "account.blocked"
  | "import.invalid"
  | "import.busy"
  | "instructions.too_long"
  | "preset.not_found"
  | "preset.name_taken"
  | "preset.too_many"
  | "watch.too_many";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, string | number> = {},
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = "DomainError";
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }

  /** For refusals that pass with time (limits): how long to wait before trying again. */
  readonly retryAfterMs: number | null;
}

export const invalidArgument = (message: string) => new DomainError("argument.invalid", message);

export const unknownModel = (model: string) =>
  new DomainError("model.unknown", `no model "${model}" is configured (ListModels lists them)`, { model });

export const chatNotFound = (chatId: string) =>
  new DomainError("chat.not_found", `chat ${chatId} not found`, { chatId });

export const replyNotFound = (replyId: string) =>
  new DomainError("reply.not_found", `reply ${replyId} not found`, { replyId });

export const messageNotFound = (messageId: string) =>
  new DomainError("message.not_found", `message ${messageId} not found in this chat`, { messageId });

export const messageNotEditable = (messageId: string) =>
  new DomainError(
    "message.not_editable",
    `message ${messageId} is a reply: only your own messages can be edited (regenerate a reply instead)`,
    { messageId },
  );

export const tooManyVersions = (parentId: string | null, limit: number) =>
  new DomainError(
    "message.too_many_versions",
    `this message already has ${limit} versions; go on from one of them instead`,
    { parentId: parentId ?? "", limit },
  );

export const replyInProgress = (chatId: string, replyId: string) =>
  new DomainError(
    "reply.in_progress",
    `chat ${chatId} is still answering (reply ${replyId}); wait for it, watch it or stop it before sending`,
    { chatId, replyId },
  );

/** A request id already named another request (a retry must repeat the first attempt's body exactly). */
export const requestIdReused = (requestId: string, replyId: string) =>
  new DomainError(
    "request.id_reused",
    `request_id "${requestId}" was already used for a different message; a retry must send the same chat, text, model and instructions, or use a new request_id`,
    { requestId, replyId },
  );

export const shuttingDown = () =>
  new DomainError("service.shutting_down", "the service is shutting down; retry on another instance");

/**
 * This process already streams `maxLiveReplies` replies, the most it holds (application/replies/admission.ts):
 * a new one is refused before anything is written or sent upstream; retryable, here later or elsewhere.
 */
export const serverOverloaded = (maxLiveReplies: number, retryAfterMs: number) =>
  new DomainError(
    "server.overloaded",
    "this server is answering as many messages as it can; try again in a moment",
    { maxLiveReplies },
    { retryAfterMs },
  );

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

/** The limit codes: RESOURCE_EXHAUSTED / HTTP 429, with `resetAt` and `limit` in the details. */
export type LimitCode = Extract<DomainErrorCode, `limit.${string}`>;

/**
 * A per-user limit refused the request; nothing was written or sent upstream. `resetAt` is when it
 * may pass again (null: unknown, e.g. until one of the live answers ends), `window` names the limit's
 * current window (so a channel can tell a person once per window, not once per message).
 */
export const limitReached = (
  code: LimitCode,
  message: string,
  limit: number,
  now: Date,
  resetAt: Date,
  window: string,
) =>
  new DomainError(
    code,
    message,
    { limit, resetAt: resetAt.toISOString(), window },
    { retryAfterMs: Math.max(0, resetAt.getTime() - now.getTime()) },
  );

/** An operator blocked the user: no new messages until unblocked. */
export const accountBlocked = () =>
  new DomainError("account.blocked", "this account is blocked; contact the operator of this service");

/** An import file that is not what it should be; `path` names where (e.g. `conversations[3].mapping.abc`). */
export const importInvalid = (path: string, problem: string) =>
  new DomainError("import.invalid", path ? `${path}: ${problem}` : problem, { path });

/** This instance runs its most imports at once; another may start in `retryAfterMs`. */
export const importBusy = (retryAfterMs: number) =>
  new DomainError(
    "import.busy",
    "too many imports are running on this server; try again shortly",
    {},
    { retryAfterMs },
  );
/** The user has `limit` chat-list watches open on this process, the most there can be. */
export const tooManyWatches = (limit: number) =>
  new DomainError("watch.too_many", `you have ${limit} chat list watches open, the most there can be`, {
    limit,
  });

export const presetNotFound = (presetId: string) =>
  new DomainError("preset.not_found", `preset ${presetId} not found`, { presetId });

export const presetNameTaken = (name: string) =>
  new DomainError("preset.name_taken", `you already have a preset named "${name}"; pick another name`, {
    name,
  });

export const tooManyPresets = (limit: number) =>
  new DomainError("preset.too_many", `you have ${limit} presets, the most there can be; delete one first`, {
    limit,
  });
