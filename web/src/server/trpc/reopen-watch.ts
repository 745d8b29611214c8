/**
 * The loop both watch relays share (WatchChats, WatchChat): when the service's hub between replicas
 * blinks (`hub.unavailable`) or the watch ends early, it is opened again with backoff. Each watch starts
 * with an event that says it listens (the list's `ready`, the chat's summary), which tells the browser to
 * catch up, so nothing changed meanwhile is missed; that event also starts the backoff over. Any other
 * error ends the subscription: it is thrown as the service raised it, for the caller to map.
 */
import "server-only";
import { ConnectError } from "@connectrpc/connect";
import type { Logger } from "../logger";
import { abortableSleep } from "./abortable-sleep";
import { serviceReason } from "./connect-errors";

export interface ReopenWatchOptions<Event> {
  /** Opens the watch (its call must use `signal`). */
  open(): AsyncIterable<Event>;
  /** Whether this event says the watch listens (the backoff starts over). */
  listening(event: Event): boolean;
  /** Whether the watch is over after this event (nothing to reopen). */
  last?(event: Event): boolean;
  signal: AbortSignal | undefined;
  log: Logger;
  /** What the log calls the watch. */
  name: string;
  /** First wait before reopening (doubling, up to `maxWaitMs`), in ms. */
  firstWaitMs?: number;
  maxWaitMs?: number;
}

export async function* reopenWatch<Event>(options: ReopenWatchOptions<Event>): AsyncGenerator<Event> {
  const { signal, log } = options;
  const firstWaitMs = options.firstWaitMs ?? 250;
  let waitMs = firstWaitMs;
  while (!signal?.aborted) {
    try {
      for await (const event of options.open()) {
        if (options.listening(event)) waitMs = firstWaitMs;
        yield event;
        if (options.last?.(event)) return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      const reason = error instanceof ConnectError ? serviceReason(error) : null;
      if (reason !== "hub.unavailable") throw error;
      log.info(`the service's hub blinked; reopening the ${options.name}`, { retryInMs: waitMs });
    }
    await abortableSleep(waitMs, signal);
    waitMs = Math.min(waitMs * 2, options.maxWaitMs ?? 5_000);
  }
}
