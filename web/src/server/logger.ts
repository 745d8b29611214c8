/**
 * One-line JSON logs on stdout/stderr, as the service writes them. Causes go here, never to the browser.
 * No `server-only` guard: the web server (server.ts) logs with it outside Next too; lint keeps browser
 * code away from `~/server`.
 */

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function write(level: "info" | "warn" | "error", message: string, fields: Record<string, unknown>) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, app: "web", message, ...fields });
  if (level === "info") process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

export const consoleLogger: Logger = {
  info: (message, fields = {}) => write("info", message, fields),
  warn: (message, fields = {}) => write("warn", message, fields),
  error: (message, fields = {}) => write("error", message, fields),
};

/** An error as loggable fields: name, message, code and cause chain, without secrets from requests. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    error: `${error.name}: ${error.message}`,
    ...(code !== undefined ? { code } : {}),
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}
