/**
 * Fields that name the work a log line is about — an RPC's request id — carried explicitly with that
 * work (the use cases' deps, a reply's model request) rather than ambiently. Ambient context would need
 * AsyncLocalStorage, whose promise hooks run on every promise the process makes: 7–10 % of the CPU of a
 * streaming reply (docs/benchmarks.md, "Where rows 2 and 3's CPU goes").
 */
import type { Logger } from "./ports.js";

export type LogFields = Readonly<Record<string, unknown>>;

/** `logger` with `fields` on every line (a line's own fields win); `logger` itself when there are none. */
export function withFields(logger: Logger, fields: LogFields | undefined): Logger {
  if (fields === undefined || Object.keys(fields).length === 0) return logger;
  return {
    info: (message, own) => logger.info(message, { ...fields, ...own }),
    warn: (message, own) => logger.warn(message, { ...fields, ...own }),
    error: (message, own) => logger.error(message, { ...fields, ...own }),
  };
}
