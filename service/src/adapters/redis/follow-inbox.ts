/**
 * The live entries a follower has received and not yet consumed. Bounded: a consumer that falls more
 * than `maxChars` UTF-16 units behind fails the follow (with `hub.unavailable`: it may resume from the
 * database later) instead of growing the process's memory without end. With coalescing, a text entry
 * that arrives while the one before it still waits joins it (see delta-coalescing.ts), as a watcher's
 * deltas do on the owner: a follower whose RPC is not draining gets fewer, larger messages.
 */
import { DeltaTail, type DeltaCoalescing } from "../../application/replies/delta-coalescing.js";
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

export function createFollowInbox(maxChars: number, coalescing: DeltaCoalescing | null = null): FollowInbox {
  const queue: StreamEntry[] = [];
  const tail = coalescing && new DeltaTail(coalescing);
  let chars = 0;
  let failure: Error | null = null;
  let closed = false;
  let wake: (() => void) | null = null;

  const notify = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  /** Whether `entry` joined the text entry still waiting at the queue's end (else it opens one). */
  const merge = (tail: DeltaTail, entry: StreamEntry & { kind: "text" }): boolean => {
    const last = queue.at(-1);
    const merged =
      last?.kind === "text" ? tail.admit({ type: "delta", ...last }, { type: "delta", ...entry }) : null;
    if (!merged || last?.kind !== "text") {
      tail.opened();
      return false;
    }
    queue[queue.length - 1] = { ...last, text: merged.text, end: entry.end };
    return true;
  };
  const fail = (error: Error) => {
    failure ??= error;
    queue.length = 0;
    notify();
  };

  return {
    push(entry) {
      if (closed || failure) return;
      if (!(tail && entry.kind === "text" && merge(tail, entry))) queue.push(entry);
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
