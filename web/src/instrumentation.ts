/**
 * Runs once when the Next server starts: validates the settings and opens (creates, migrates) the auth
 * database, so a misconfiguration fails at start-up with a clear message rather than on the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { appDeps } = await import("./server/app-deps");
  const { consoleLogger, describeError } = await import("./server/logger");
  try {
    await appDeps();
    consoleLogger.info("web app ready: auth database migrated");
  } catch (error) {
    consoleLogger.error("web app could not start", describeError(error));
    throw error;
  }
}
