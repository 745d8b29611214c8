/**
 * The live entries a follower has received and not yet consumed. Bounded: a consumer that falls more
 * than `maxChars` UTF-16 units behind fails the follow (with `hub.unavailable`: it may resume from the
 * database later) instead of growing the process's memory without end.
 */
import { hubUnavailable } from "../../domain/errors.js";
import type { StreamEntry } from "./reply-stream-format.js";

export interface FollowInbox {
  push(entry: StreamEntry): void;
  /** Fails the next `next()` (after what is queued is NOT delivered: the follow is broken). */
  fail(error: Error): void;
  /** Ends the inbox: `next()` resolves null. */
  close(): void;
  /** The next entry, null once closed; rejects once failed. */
  next(): Promise<StreamEntry | null>;
}

export function createFollowInbox(maxChars: number): FollowInbox {
  const queue: StreamEntry[] = [];
  let chars = 0;
  let failure: Error | null = null;
  let closed = false;
  let wake: (() => void) | null = null;

  const notify = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const fail = (error: Error) => {
    failure ??= error;
    queue.length = 0;
    notify();
  };

  return {
    push(entry) {
      if (closed || failure) return;
      queue.push(entry);
      chars += entry.kind === "text" ? entry.text.length : 0;
      if (chars > maxChars) fail(hubUnavailable("the follower fell too far behind the live reply"));
      notify();
    },
    fail,
    close() {
      closed = true;
      queue.length = 0;
      notify();
    },
    async next() {
      for (;;) {
        if (failure) throw failure;
        if (closed) return null;
        const entry = queue.shift();
        if (entry) {
          chars -= entry.kind === "text" ? entry.text.length : 0;
          return entry;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
