/**
 * Logging for events a caller can repeat at will (refused webhooks): the first of a kind is logged at once,
 * then at most one line per interval says how many more came meanwhile, so a flood of requests cannot
 * flood the log. Kinds are our own reasons (a fixed set), never caller input.
 */
import type { Logger } from "../../application/ports.js";

export interface RateLimitedLogOptions {
  /** At most one line per kind per this many milliseconds (default 10 s). */
  intervalMs?: number;
}

/** Logs a warning of `kind`, unless one was logged within the interval; then it is only counted. */
export type RateLimitedWarn = (kind: string, message: string, fields?: Record<string, unknown>) => void;

export function createRateLimitedWarn(logger: Logger, options: RateLimitedLogOptions = {}): RateLimitedWarn {
  const intervalMs = options.intervalMs ?? 10_000;
  const suppressed = new Map<string, { count: number; message: string }>();

  const closeInterval = (kind: string) => {
    const pending = suppressed.get(kind);
    if (!pending || pending.count === 0) {
      suppressed.delete(kind);
      return;
    }
    logger.warn(`${pending.message} (${pending.count} more in the last ${intervalMs / 1000} s)`, {
      kind,
      suppressed: pending.count,
    });
    pending.count = 0;
    openInterval(kind);
  };
  const openInterval = (kind: string) => {
    // Unref'd: a pending count must not keep a stopping process alive.
    setTimeout(() => closeInterval(kind), intervalMs).unref();
  };

  return (kind, message, fields) => {
    const pending = suppressed.get(kind);
    if (pending) {
      pending.count++;
      return;
    }
    suppressed.set(kind, { count: 0, message });
    logger.warn(message, { kind, ...fields });
    openInterval(kind);
  };
}
