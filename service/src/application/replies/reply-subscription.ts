/**
 * One watcher's subscription to a reply (what `ReplyJob.attach` returns; the `watchReply` use case and
 * `sendMessage` hand it to callers): an async iterable fed by the job. Events queue while the consumer is
 * busy (a reply is bounded by max output tokens), and the watch ends at `finished`, when the consumer
 * stops iterating, or when its signal aborts (the caller went away) — each of which detaches it.
 * With coalescing on, a delta that arrives while an earlier one still waits joins it (see
 * delta-coalescing.ts): a consumer whose transport is not draining gets fewer, larger messages.
 */
import { DeltaTail, type DeltaCoalescing } from "./delta-coalescing.js";
import type { ReplyEvent } from "./reply-events.js";

export class ReplySubscription implements AsyncIterable<ReplyEvent> {
  private queue: ReplyEvent[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  /** Null: every event is queued as it comes (coalescing off). */
  private readonly tail: DeltaTail | null;

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly onClose: (watch: ReplySubscription) => void,
    coalescing: DeltaCoalescing | null = null,
  ) {
    this.tail = coalescing && new DeltaTail(coalescing);
    signal?.addEventListener("abort", this.abort, { once: true });
  }

  /** Called by the job for each event, in order. */
  push(event: ReplyEvent): void {
    if (this.closed) return;
    if (this.tail && event.type === "delta") {
      // The consumer has not taken the last event yet: its transport (or the event loop) is behind.
      const last = this.head < this.queue.length ? this.queue[this.queue.length - 1]! : null;
      const merged = last?.type === "delta" ? this.tail.admit(last, event) : null;
      if (merged) {
        // The consumer was woken for `last` already; it will find the merged delta in its place.
        this.queue[this.queue.length - 1] = merged;
        return;
      }
      this.tail.opened();
    }
    this.queue.push(event);
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ReplyEvent, void, undefined> {
    try {
      for (;;) {
        while (this.head < this.queue.length) {
          const event = this.queue[this.head++]!;
          if (this.head === this.queue.length) this.reset();
          yield event;
          if (event.type === "finished") return;
        }
        if (this.signal?.aborted) throw this.signal.reason;
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  /** Detaches from the job; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener("abort", this.abort);
    this.notify();
    this.onClose(this);
  }

  private readonly abort = () => {
    this.notify();
    this.close();
  };

  private notify(): void {
    const wake = this.wake;
    if (wake) {
      this.wake = null;
      wake();
    }
  }

  private reset(): void {
    this.queue = [];
    this.head = 0;
  }
}
