/**
 * tRPC's building blocks: the request context (session, service client, logger), the error shape sent to
 * browsers, and `protectedProcedure`, which refuses anonymous callers and narrows the context to the
 * signed-in user.
 */
import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import { isDatabaseBusy } from "../auth/auth-database";
import type { Auth } from "../auth/create-auth";
import type { Logger } from "../logger";
import { ServiceRefusal } from "./connect-errors";
import { countTrpcCall } from "../metrics/trpc-metrics";
import { traceTrpcCall } from "../tracing/trace-context";
import type { ApiKeyServiceClient } from "../service/api-key-service-client";
import { serviceUserId, type ChatServiceClient } from "../service/chat-service-client";
import type { ModelServiceClient } from "../service/model-service-client";
import type { UsageServiceClient } from "../service/usage-service-client";
import type { SearchServiceClient } from "../service/search-service-client";
import type { PresetServiceClient } from "../service/preset-service-client";

export type Session = NonNullable<Awaited<ReturnType<Auth["api"]["getSession"]>>>;

/** What every procedure can see. */
export interface TrpcContext {
  session: Session | null;
  chat: ChatServiceClient;
  keys: ApiKeyServiceClient;
  usage: UsageServiceClient;
  /** The model list; absent in tests of other concerns (models.list then fails cleanly). */
  models?: ModelServiceClient | undefined;
  search: SearchServiceClient;
  /** The user's presets; absent in tests that do not need them. */
  presets?: PresetServiceClient | undefined;
  log: Logger;
}

/** What the context is built from: the app's parts plus the request's headers (for the session cookie). */
export interface ContextDeps {
  auth: Auth;
  chat: ChatServiceClient;
  keys: ApiKeyServiceClient;
  usage: UsageServiceClient;
  /** The model list; absent in tests of other concerns (models.list then fails cleanly). */
  models?: ModelServiceClient | undefined;
  search: SearchServiceClient;
  presets?: PresetServiceClient | undefined;
  log: Logger;
}

/**
 * The context of one request. The session comes from the signed cookie cache while it is fresh (no
 * session store read); `responseHeaders`, when given, receive the cache cookie better-auth renews or
 * expires, so the browser's next request finds a fresh one.
 */
export async function createTrpcContext(
  deps: ContextDeps,
  headers: Headers,
  responseHeaders?: Headers,
): Promise<TrpcContext> {
  try {
    const { headers: sessionHeaders, response: session } = await deps.auth.api.getSession({
      headers,
      returnHeaders: true,
    });
    for (const cookie of sessionHeaders.getSetCookie()) responseHeaders?.append("set-cookie", cookie);
    const { chat, keys, usage, models, search, presets, log } = deps;
    return { session, chat, keys, usage, models, search, presets, log };
  } catch (error) {
    // A saturated database is a moment to wait (503, which the browser retries), not a failure to log.
    if (!isDatabaseBusy(error)) throw error;
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "Parley is busy right now. Please try again in a moment.",
      cause: error,
    });
  }
}

const t = initTRPC.context<TrpcContext>().create({
  sse: {
    // Keeps proxies from closing a quiet stream; the browser reconnects if pings stop.
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
  errorFormatter({ shape, error }) {
    // Unexpected errors keep their cause in the server log (onError), not in the response.
    const message =
      error.code === "INTERNAL_SERVER_ERROR" ? "Something went wrong on our side." : shape.message;
    // The service's stable reason (e.g. "reply.in_progress"), for the browser to switch on; for a limit,
    // when it resets and what it is.
    const refusal = error.cause instanceof ServiceRefusal ? error.cause : null;
    const { code, httpStatus } = shape.data;
    const resetAt = refusal?.facts.resetAt ?? null;
    const limit = refusal?.facts.limit ?? null;
    return { ...shape, message, data: { code, httpStatus, reason: refusal?.reason ?? null, resetAt, limit } };
  },
});

export const createRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every procedure is traced and counted (metrics), refused ones included. */
const countedProcedure = t.procedure
  .use((options) => traceTrpcCall(options))
  .use((options) => countTrpcCall(options));

export const protectedProcedure = countedProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in to continue." });
  const user = ctx.session.user;
  return next({
    ctx: {
      user: { id: user.id, email: user.email, name: user.name },
      /** The `user_id` for every service call: the service scopes everything by it. */
      userId: serviceUserId(user.id),
    },
  });
});
