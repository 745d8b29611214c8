/**
 * Logger writing one JSON line per entry to stdout/stderr: what container platforms collect. Fields never
 * overwrite the line's own keys (`time`, `level`, `message`, and the base fields), and every string in it
 * is bounded and scrubbed of credentials (see `@parley/log-line`), since fields carry upstream errors.
 */
import { logLine } from "@parley/log-line";
import type { Logger } from "../application/ports.js";

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

/** Where lines go: stdout and stderr unless a test captures them. */
export interface LogOutput {
  stdout: { write(line: string): unknown };
  stderr: { write(line: string): unknown };
}

/**
 * `current` adds fields of the work in progress to each line (the request id, the trace and span ids);
 * the entry's own fields win over them.
 */
export function createConsoleLogger(
  minimum: LogLevel = "info",
  base: Record<string, unknown> = {},
  output: LogOutput = process,
  current?: () => Record<string, unknown>,
): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (levels[level] < levels[minimum]) return;
    const all = current ? { ...current(), ...fields } : fields;
    const line = logLine({ time: new Date().toISOString(), level, message }, base, all);
    (level === "error" || level === "warn" ? output.stderr : output.stdout).write(`${line}\n`);
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}
