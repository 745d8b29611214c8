/**
 * The one place where the service's Connect errors become tRPC errors. The browser gets a code and a
 * message written here for people; the service's own message and cause are logged, never sent on.
 */
import "server-only";
import { Code, ConnectError } from "@connectrpc/connect";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { describeError, type Logger } from "../logger";

const mapping: Partial<Record<Code, { code: TRPC_ERROR_CODE_KEY; message: string }>> = {
  [Code.NotFound]: { code: "NOT_FOUND", message: "This chat does not exist, or it is not yours." },
  [Code.InvalidArgument]: { code: "BAD_REQUEST", message: "The service could not accept that request." },
  [Code.FailedPrecondition]: {
    code: "CONFLICT",
    message: "This chat is still answering. Wait for the answer or stop it, then send again.",
  },
  [Code.ResourceExhausted]: { code: "PAYLOAD_TOO_LARGE", message: "That message is too large to send." },
  [Code.Unavailable]: {
    code: "SERVICE_UNAVAILABLE",
    message: "The chat service is unavailable right now. Please try again in a moment.",
  },
  [Code.DeadlineExceeded]: { code: "TIMEOUT", message: "The chat service took too long to answer." },
  [Code.Canceled]: { code: "CLIENT_CLOSED_REQUEST", message: "The request was cancelled." },
};

const internal = { code: "INTERNAL_SERVER_ERROR", message: "Something went wrong on our side." } as const;

/**
 * Service messages worth showing for INVALID_ARGUMENT: the ones about the user's own message (too long,
 * does not fit the context window), which a person can act on. Anything else stays generic.
 */
const userFacingInvalid = /message|too long|context window|empty/i;

/** Turns any failure of a service call into a TRPCError (logging the real cause). */
export function toTRPCError(error: unknown, log: Logger, operation: string): TRPCError {
  if (error instanceof TRPCError) return error;
  const connectError = ConnectError.from(error);
  const mapped = mapping[connectError.code] ?? internal;
  if (mapped.code !== "NOT_FOUND" && mapped.code !== "CLIENT_CLOSED_REQUEST") {
    log.warn("chat service call failed", { operation, ...describeError(connectError) });
  }
  const message =
    connectError.code === Code.InvalidArgument && userFacingInvalid.test(connectError.rawMessage)
      ? capitalise(connectError.rawMessage)
      : mapped.message;
  return new TRPCError({ code: mapped.code, message });
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
