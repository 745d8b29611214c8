/**
 * What one reply stream from the BFF to a browser reports: open while it runs, a resume when it follows
 * an existing reply (WatchReply), and for a new message the time until its first delta left.
 */
import "server-only";
import { webMetrics } from "./web-metrics";

export interface ReplyStreamObservation {
  /** A delta is about to go to the browser. */
  delta(): void;
  /** The stream ended (any way). */
  closed(): void;
}

export function observeReplyStream(operation: string): ReplyStreamObservation {
  const metrics = webMetrics();
  const startedAt = performance.now();
  let firstDelta = operation === "SendMessage";
  let open = true;
  metrics.replyStreamsOpen.inc();
  if (operation === "WatchReply") metrics.resumes.inc();
  return {
    delta() {
      if (!firstDelta) return;
      firstDelta = false;
      metrics.timeToFirstDelta.observe((performance.now() - startedAt) / 1000);
    },
    closed() {
      if (!open) return;
      open = false;
      metrics.replyStreamsOpen.dec();
    },
  };
}
