/**
 * The BFF's HTTP face: tRPC's fetch adapter at /api/trpc (batch JSON for queries and mutations, SSE for
 * subscriptions), behind a cross-site check, since `chat.send` changes state even though SSE is a GET.
 */
import "server-only";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { maxBatchSize } from "~/lib/batch-limit";
import { describeError } from "../logger";
import { isCrossSiteRequest, isNavigation } from "../request-origin";
import { createTrpcContext, type ContextDeps } from "./init";
import { appRouter } from "./root";

export interface TrpcHandlerDeps extends ContextDeps {
  /** Origins whose pages may call the API (the app's own, plus TRUSTED_ORIGINS). */
  allowedOrigins: readonly string[];
}

export const trpcEndpoint = "/api/trpc";

export function createTrpcHandler(deps: TrpcHandlerDeps): (request: Request) => Promise<Response> {
  return async (request) => {
    if (isCrossSiteRequest(request.headers, deps.allowedOrigins) || isNavigation(request.headers)) {
      return Response.json(
        { error: { message: "Cross-site requests are not allowed.", code: "FORBIDDEN" } },
        { status: 403 },
      );
    }
    return fetchRequestHandler({
      endpoint: trpcEndpoint,
      req: request,
      router: appRouter,
      // A longer batch is refused (BAD_REQUEST) before any context is built or any procedure runs.
      maxBatchSize,
      createContext: ({ resHeaders }) => createTrpcContext(deps, request.headers, resHeaders),
      onError({ error, path, type }) {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          deps.log.error("tRPC procedure failed", { path, type, ...describeError(error.cause ?? error) });
        }
      },
    });
  };
}
