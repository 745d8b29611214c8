/**
 * The BFF's HTTP face on the web app's own Node server: /api/trpc served from the Node request and
 * response, without Next's route handler (its Fetch Request and Response, and the Web Streams between
 * the SSE body and the socket). Subscriptions (`chat.send`, `chat.watch`, …) are written by
 * `serveSubscription`; queries and mutations go to tRPC's Node adapter. Same router, context, limits
 * (batch size), cross-site check and headers as the route handler (http-handler.ts), which still
 * serves `next dev`.
 */
import "server-only";
import type { IncomingMessage } from "node:http";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { getProcedureAtPath, type TRPCError } from "@trpc/server/unstable-core-do-not-import";
import { maxBatchSize } from "~/lib/batch-limit";
import { securityHeaders } from "~/lib/security-headers";
import { describeError } from "../logger";
import type { NodeRouteHandler } from "../node-routes";
import { isCrossSiteRequest, isNavigation } from "../request-origin";
import { trpcEndpoint, type TrpcHandlerDeps } from "./http-handler";
import { createTrpcContext } from "./init";
import { appRouter } from "./root";
import { serveSubscription } from "./serve-subscription";

export function createNodeTrpcHandler(deps: TrpcHandlerDeps): NodeRouteHandler {
  const onError = ({ error, path, type }: { error: TRPCError; path?: string | undefined; type: string }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") {
      deps.log.error("tRPC procedure failed", { path, type, ...describeError(error.cause ?? error) });
    }
  };
  return async (request, response) => {
    for (const { key, value } of securityHeaders) response.setHeader(key, value);
    const headers = fetchHeaders(request);
    if (isCrossSiteRequest(headers, deps.allowedOrigins) || isNavigation(headers)) {
      response
        .writeHead(403, { "content-type": "application/json" })
        .end(
          JSON.stringify({ error: { message: "Cross-site requests are not allowed.", code: "FORBIDDEN" } }),
        );
      return;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const path = url.pathname.slice(trpcEndpoint.length).replace(/^\/+|\/+$/g, "");
    // The context's session check may renew the session cookie: it goes out with the response's headers.
    const createContext = async () => {
      const renewed = new Headers();
      const context = await createTrpcContext(deps, headers, renewed);
      for (const cookie of renewed.getSetCookie()) response.appendHeader("set-cookie", cookie);
      return context;
    };
    // A subscription is a lone GET (a batch of one is tRPC's to refuse).
    const lone = request.method === "GET" && !url.searchParams.has("batch");
    const procedure = lone ? await getProcedureAtPath(appRouter, path) : null;
    if (procedure?._def.type === "subscription") {
      await serveSubscription(response, {
        router: appRouter,
        procedure,
        path,
        url,
        headers,
        createContext,
        onError,
      });
      return;
    }
    await nodeHTTPRequestHandler({
      router: appRouter,
      req: request,
      res: response,
      path,
      // A longer batch is refused (BAD_REQUEST) before any context is built or any procedure runs.
      maxBatchSize,
      createContext,
      onError,
    });
  };
}

/** The request's headers as a Fetch `Headers` (what better-auth and the origin checks read). */
function fetchHeaders(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else headers.set(name, value);
  }
  return headers;
}
