/**
 * Runs once when the Next server starts: validates the settings and opens (creates, migrates) the auth
 * database, so a misconfiguration fails at start-up with a clear message rather than on the first request.
 * Then hands /api/trpc to the web app's own Node server (server.ts), which serves it without Next's route
 * handler (node-trpc-handler.ts); under `next dev` nothing reads that table and the route handler serves it.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { appDeps } = await import("./server/app-deps");
  const { consoleLogger, describeError } = await import("./server/logger");
  try {
    const deps = await appDeps();
    const { registerNodeRoute } = await import("./server/node-routes");
    const { createNodeTrpcHandler } = await import("./server/trpc/node-trpc-handler");
    const { trpcEndpoint } = await import("./server/trpc/http-handler");
    registerNodeRoute(trpcEndpoint, createNodeTrpcHandler(deps));
    consoleLogger.info("web app ready: auth database migrated");
  } catch (error) {
    consoleLogger.error("web app could not start", describeError(error));
    throw error;
  }
}
