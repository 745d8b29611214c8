/**
 * Tracks whether Redis is reachable for the owner's writes, so an outage costs ONE warning when it
 * starts and one info line when it ends, however many deltas and flushes meet it. After
 * `dropEndedAfterMs` of outage the text of replies that already ended is dropped (the database has it);
 * live replies keep theirs until Redis is back.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../../application/ports.js";

export interface ReplyBusOutage {
  /** A write failed: an outage starts unless one is already going on. */
  failed(error: unknown): void;
  /** A write succeeded: an outage, if any, is over. */
  succeeded(): void;
  readonly active: boolean;
  stop(): void;
}

export interface ReplyBusOutageOptions {
  redis: Redis;
  logger: Logger;
  dropEndedAfterMs: number;
  now: () => number;
  /** What is still to write, for the log lines. */
  pendingReplies(): number;
  /** Called after `dropEndedAfterMs` of outage; returns how many replies were dropped. */
  dropEnded(): number;
  /** Called when Redis is back. */
  onBack(): void;
  /** Called when an outage starts (for the metrics). */
  onOutage?: (() => void) | undefined;
}

export function trackReplyBusOutage(options: ReplyBusOutageOptions): ReplyBusOutage {
  const { redis, logger, now } = options;
  let since: number | null = null;
  let lastError = "";
  let dropTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const start = (cause: string) => {
    if (since !== null || stopped) return;
    since = now();
    options.onOutage?.();
    logger.warn("reply bus: Redis is unreachable; the owner keeps replies' text until it is back", {
      cause,
      pendingReplies: options.pendingReplies(),
    });
    dropTimer = setTimeout(() => {
      const dropped = options.dropEnded();
      if (dropped > 0) logger.warn("reply bus: dropped the unsent text of ended replies", { dropped });
    }, options.dropEndedAfterMs);
    dropTimer.unref();
  };
  const end = () => {
    if (since === null) return;
    clearTimeout(dropTimer);
    logger.info("reply bus: Redis is reachable again", {
      outageMs: now() - since,
      pendingReplies: options.pendingReplies(),
    });
    since = null;
  };

  const onError = (error: Error) => (lastError = error.message);
  const onClose = () => start(lastError || "connection closed");
  const onReady = () => {
    end();
    options.onBack();
  };
  redis.on("error", onError);
  redis.on("reconnecting", onClose);
  redis.on("ready", onReady);

  return {
    failed: (error) => start(error instanceof Error ? error.message : String(error)),
    succeeded: end,
    get active() {
      return since !== null;
    },
    stop() {
      stopped = true;
      clearTimeout(dropTimer);
      redis.off("error", onError);
      redis.off("reconnecting", onClose);
      redis.off("ready", onReady);
    },
  };
}
