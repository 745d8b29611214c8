/**
 * One-line JSON logs on stdout/stderr, as the service writes them. Causes go here, never to the browser.
 * Fields never overwrite the line's own keys (`time`, `level`, `app`, `message`), and every string is
 * bounded and scrubbed of credentials (see `@parley/log-line`), since fields carry upstream errors.
 * No `server-only` guard: the web server (server.ts) logs with it outside Next too; lint keeps browser
 * code away from `~/server`.
 */
import { logLine } from "@parley/log-line";
import { trace } from "@opentelemetry/api";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const base = { app: "web" };

/** The line a call writes, without its newline. */
export function formatLogLine(
  level: "info" | "warn" | "error",
  message: string,
  fields: Record<string, unknown> = {},
  time = new Date(),
): string {
  return logLine({ time: time.toISOString(), level, message }, base, fields);
}

/**
 * The current request's id, from request-context.ts's store on `globalThis` (read there rather than
 * imported: this module is loaded by Next's bundles and by the plain Node server, which resolve imports
 * differently).
 */
function currentRequestId(): string | null {
  const holder = globalThis as { parleyRequests?: { getStore(): { requestId: string } | undefined } };
  return holder.parleyRequests?.getStore()?.requestId ?? null;
}

/** The request id, and with tracing on the current trace and span ids; the entry's own fields win. */
function current(): Record<string, unknown> {
  const requestId = currentRequestId();
  const span = trace.getActiveSpan()?.spanContext();
  return {
    ...(requestId !== null && { request_id: requestId }),
    ...(span && { trace_id: span.traceId, span_id: span.spanId }),
  };
}

function write(level: "info" | "warn" | "error", message: string, fields: Record<string, unknown>) {
  const line = formatLogLine(level, message, { ...current(), ...fields });
  if (level === "info") process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

export const consoleLogger: Logger = {
  info: (message, fields = {}) => write("info", message, fields),
  warn: (message, fields = {}) => write("warn", message, fields),
  error: (message, fields = {}) => write("error", message, fields),
};

/**
 * An error as loggable fields: name, message, code and cause chain (at most five deep, so a cycle ends),
 * without secrets from requests.
 */
export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    error: `${error.name}: ${error.message}`,
    ...(code !== undefined ? { code } : {}),
    ...(error.cause !== undefined && depth < 4 ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}
