/**
 * The one place where the service's Connect errors become tRPC errors. The service names what went
 * wrong with a stable reason (`google.rpc.ErrorInfo`, domain "parley"); this switches on it, never on
 * the service's English. The browser gets a tRPC code, the reason (`data.reason`, see init.ts) and a
 * message written here for people; the service's own message and cause are logged, never sent on —
 * except for the reasons about the person's own message, whose numbers they can act on.
 */
import "server-only";
import { Code, ConnectError } from "@connectrpc/connect";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { describeError, type Logger } from "../logger";

interface Mapped {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
}

const unavailable: Mapped = {
  code: "SERVICE_UNAVAILABLE",
  message: "The chat service is unavailable right now. Please try again in a moment.",
};
const notFound: Mapped = { code: "NOT_FOUND", message: "This chat does not exist, or it is not yours." };
const badRequest: Mapped = { code: "BAD_REQUEST", message: "The service could not accept that request." };
const internal: Mapped = { code: "INTERNAL_SERVER_ERROR", message: "Something went wrong on our side." };
/** The service's own message is shown: it is about the person's message and carries the numbers. */
const aboutTheMessage = { code: "BAD_REQUEST", message: null } as const;

type ShownAsSent = typeof aboutTheMessage | typeof limitReached;

/** A limit: the service's message says which and when it resets ("...; resets at 00:00 UTC"). */
const limitReached = { code: "TOO_MANY_REQUESTS", message: null } as const;

/** By the service's reason (`DomainErrorCode` in service/src/domain/errors.ts, documented in chat.proto). */
const byReason: Record<string, Mapped | ShownAsSent> = {
  "argument.invalid": badRequest,
  "message.empty": aboutTheMessage,
  "message.too_long": aboutTheMessage,
  "message.exceeds_context": aboutTheMessage,
  // The picker offered a model the operator has since removed (the service's message speaks of RPCs).
  "model.unknown": { code: "BAD_REQUEST", message: "That model is no longer offered. Pick another one." },
  "chat.not_found": notFound,
  // The same words as for a chat: what the person tried to reach is gone or was never theirs.
  "reply.not_found": notFound,
  "reply.in_progress": {
    code: "CONFLICT",
    message: "This chat is still answering. Wait for the answer or stop it, then try again.",
  },
  // A version the page shows was removed (the chat was changed elsewhere): reloading shows what is left.
  "message.not_found": {
    code: "NOT_FOUND",
    message: "That message is no longer in this chat. Reload the chat to see its latest state.",
  },
  // A bound of the service (100 versions of one message): another try will not pass, so no retry.
  "message.too_many_versions": {
    code: "PRECONDITION_FAILED",
    message: "This message already has as many versions as it can hold. Pick one of them to go on from.",
  },
  // The page offers Edit on the person's own messages only; an answer is regenerated instead.
  "message.not_editable": {
    code: "BAD_REQUEST",
    message: "Only your own messages can be edited. To get another answer, regenerate it.",
  },
  // The browser reuses a send's id only for the same message: this is a bug of ours, not theirs.
  "request.id_reused": internal,
  "service.shutting_down": unavailable,
  // This server holds as many answers as it can: retryable (a moment later, or on another instance).
  "server.overloaded": {
    code: "SERVICE_UNAVAILABLE",
    message: "The chat service is busy right now. Please try again in a moment.",
  },
  "upstream.unavailable": {
    code: "SERVICE_UNAVAILABLE",
    message: "The model is unavailable right now. Please try again in a moment.",
  },
  "upstream.rejected": { code: "BAD_REQUEST", message: "The model could not accept this conversation." },
  "upstream.misconfigured": internal,
  "upstream.interrupted": {
    code: "SERVICE_UNAVAILABLE",
    message: "The answer was cut off. Please try again.",
  },
  "storage.unavailable": unavailable,
  "key.not_found": { code: "NOT_FOUND", message: "This API key does not exist, or it is not yours." },
  // The BFF calls with the service token and the session's user: these mean a bug or a misconfiguration.
  "key.not_allowed": internal,
  "key.user_mismatch": internal,
  "hub.unavailable": unavailable,
  // Every open tab holds two watches (its chat list, its chat): a bound per user on each service replica.
  "watch.too_many": {
    code: "TOO_MANY_REQUESTS",
    message: "Too many Parley tabs are open. Close some, then reload this one.",
  },
  // Limits: the service's own sentence (it names the limit and the reset time in UTC); the browser words
  // its banner itself from the reason, `resetAt` and `limit`, in the person's time zone.
  "limit.concurrent_replies": limitReached,
  "limit.rate": limitReached,
  "limit.daily_tokens": limitReached,
  "limit.monthly_tokens": limitReached,
  "limit.monthly_cost": limitReached,
  "account.blocked": { code: "FORBIDDEN", message: "Your account may not send messages." },
  // The service's own sentence names where the file is malformed (`conversations[3].mapping.abc: ...`).
  "import.invalid": aboutTheMessage,
  "import.busy": {
    code: "TOO_MANY_REQUESTS",
    message: "Too many imports are running. Try again in a moment.",
  },
};

/** Errors of the protocol itself, which carry no reason. */
const byCode: Partial<Record<Code, Mapped>> = {
  [Code.InvalidArgument]: badRequest,
  [Code.ResourceExhausted]: { code: "PAYLOAD_TOO_LARGE", message: "That message is too large to send." },
  [Code.Unavailable]: unavailable,
  [Code.DeadlineExceeded]: { code: "TIMEOUT", message: "The chat service took too long to answer." },
  [Code.Canceled]: { code: "CLIENT_CLOSED_REQUEST", message: "The request was cancelled." },
};

function parleyInfo(error: ConnectError) {
  return error.findDetails(ErrorInfoSchema).find((detail) => detail.domain === "parley");
}

/** The service's reason for an error, when it gave one. */
export function serviceReason(error: ConnectError): string | null {
  return parleyInfo(error)?.reason ?? null;
}

/** What a refusal says beyond its reason: when asking again may work, and the limit that was reached. */
export interface RefusalFacts {
  /** ISO time: the service's `resetAt`, else now + its `google.rpc.RetryInfo` delay. */
  resetAt?: string;
  /** The limit reached, from `ErrorInfo.metadata.limit` when the service names it. */
  limit?: number;
}

/** The retry time and limit a refusal carries, read at `now` (ms since the epoch). */
export function refusalFacts(error: ConnectError, now: number): RefusalFacts {
  const facts: RefusalFacts = {};
  const info = parleyInfo(error);
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  const resetAt = info?.metadata["resetAt"];
  if (resetAt && !Number.isNaN(Date.parse(resetAt))) facts.resetAt = new Date(resetAt).toISOString();
  else if (delay) facts.resetAt = new Date(now + durationMs(delay)).toISOString();
  const limit = Number(info?.metadata.limit);
  if (info?.metadata.limit && Number.isSafeInteger(limit) && limit > 0) facts.limit = limit;
  return facts;
}

/** The cause of a TRPCError made here: the service's reason, for the error formatter to send on. */
export class ServiceRefusal extends Error {
  constructor(
    readonly reason: string | null,
    readonly facts: RefusalFacts = {},
  ) {
    super(reason ?? "no reason");
    this.name = "ServiceRefusal";
  }
}

/** Turns any failure of a service call into a TRPCError (logging the real cause). */
export function toTRPCError(error: unknown, log: Logger, operation: string): TRPCError {
  if (error instanceof TRPCError) return error;
  const connectError = ConnectError.from(error);
  const reason = serviceReason(connectError);
  const mapped = (reason === null ? undefined : byReason[reason]) ?? byCode[connectError.code] ?? internal;
  // A limit refusal is the person's own limit at work (the service counts those), not a failure to log.
  if (!["NOT_FOUND", "CLIENT_CLOSED_REQUEST", "TOO_MANY_REQUESTS"].includes(mapped.code)) {
    log.warn("chat service call failed", { operation, reason, ...describeError(connectError) });
  }
  const message = mapped.message ?? capitalise(connectError.rawMessage);
  const retryable = reason?.startsWith("limit.") || reason === "server.overloaded";
  const facts = retryable ? refusalFacts(connectError, Date.now()) : {};
  return new TRPCError({ code: mapped.code, message, cause: new ServiceRefusal(reason, facts) });
}

/** Runs one service call, mapping its failure. */
export async function callService<T>(log: Logger, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toTRPCError(error, log, operation);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
