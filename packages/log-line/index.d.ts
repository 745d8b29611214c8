/** The keys every line has, which fields never overwrite. */
export interface LogEntry {
  time: string;
  level: string;
  message: string;
}

/** The longest string kept in a line (longer ones are cut and say by how much). */
export declare const maxLoggedLength: number;

/**
 * One JSON line: the entry's keys, then `base`, then `fields`. A field whose name is already taken is
 * kept as `field.<name>`; every string (message included) is cut to `maxLoggedLength` and scrubbed of
 * bearer tokens, API keys and credential-looking values; nesting is bounded.
 */
export declare function logLine(
  entry: LogEntry,
  base?: Record<string, unknown>,
  fields?: Record<string, unknown>,
): string;

/** `text` cut to `max` UTF-16 units (never inside a surrogate pair), saying how much was cut. */
export declare function truncate(text: string, max?: number): string;

/** `text` with anything that looks like a bearer token, an API key or a credential replaced. */
export declare function scrubSecrets(text: string): string;

/** Logs a warning of `kind`, unless one was logged within the interval; then it is only counted. */
export type RateLimitedWarn = (kind: string, message: string, fields?: Record<string, unknown>) => void;

export interface RateLimitedLogOptions {
  /** At most one line per kind per this many milliseconds (default 10 s). */
  intervalMs?: number;
}

/**
 * For events a caller can repeat at will (refused connections, webhooks, a busy pool): the first of a
 * kind is logged at once, then at most one line per interval says how many more came meanwhile.
 */
export declare function createRateLimitedWarn(
  warn: (message: string, fields?: Record<string, unknown>) => void,
  options?: RateLimitedLogOptions,
): RateLimitedWarn;
