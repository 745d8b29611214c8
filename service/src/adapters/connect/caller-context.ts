/**
 * The caller of each RPC, as the auth interceptor established it, handed to handlers through Connect's
 * context values (never a global): handlers ask it which user a request acts for.
 */
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { actingUserId, requireServiceCaller, type Caller } from "../../application/keys/caller.js";

/** null until the auth interceptor has run: a handler reached without it refuses to act for anyone. */
export const callerKey = createContextKey<Caller | null>(null, { description: "caller" });

export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (!caller) throw new ConnectError("the caller is not authenticated", Code.Unauthenticated);
  return caller;
}

/** The request with `userId` set to the user it acts for (see `actingUserId`). */
export function asActingUser<T extends { userId: string }>(request: T, context: HandlerContext): T {
  return { ...request, userId: actingUserId(callerOf(context), request.userId) };
}

/** Refuses personal keys: only the service token manages keys. */
export function requireServiceToken(context: HandlerContext): void {
  requireServiceCaller(callerOf(context));
}
