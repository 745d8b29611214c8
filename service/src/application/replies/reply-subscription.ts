/**
 * One watcher's subscription to a reply (what `ReplyJob.attach` returns; the `watchReply` use case and
 * `sendMessage` hand it to callers): an async iterable fed by the job. Events queue while the consumer is
 * busy (a reply is bounded by max output tokens), and the watch ends at `finished`, when the consumer
 * stops iterating, or when its signal aborts (the caller went away) — each of which detaches it.
 * With coalescing on, a delta that arrives while an earlier one still waits joins it (see
 * delta-coalescing.ts): a consumer whose transport is not draining gets fewer, larger messages.
 *
 * It is read without an async generator or a chain of promises: each delta crosses several layers on
 * its way to the caller's transport, and every `await` and generator step is a few promise resolutions
 * and their garbage per delta (docs/benchmarks.md, "Fewer hops per delta"). A reader that maps events
 * synchronously (the RPC's reply stream, adapters/connect/reply-stream.ts) uses `take` and `listen`
 * and hands out one promise per message; `for await` over the subscription itself works as before.
 */
import { setImmediate } from "node:timers";
import { DeltaTail, type DeltaCoalescing } from "./delta-coalescing.js";
import type { ReplyEvent } from "./reply-events.js";

export class ReplySubscription implements AsyncIterable<ReplyEvent>, AsyncIterator<ReplyEvent> {
  private queue: ReplyEvent[] = [];
  private head = 0;
  /** The reader waiting for an event (see `listen`), called at the end of the turn one is queued in. */
  private ready: (() => void) | null = null;
  private closed = false;
  /** `finished` was handed out, or the reader stopped: nothing more is, whatever the signal does after. */
  private over = false;
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

  /**
   * The next event without waiting: the event, null when none is queued yet (then `listen`), or
   * undefined once the watch is over (after `finished`, or closed). Once the caller went away, what was
   * queued still comes first, and then this throws the signal's reason. Handing out `finished` detaches.
   */
  take(): ReplyEvent | null | undefined {
    if (this.head < this.queue.length) {
      const event = this.queue[this.head++]!;
      if (this.head === this.queue.length) this.reset();
      if (event.type === "finished") {
        this.over = true;
        this.close();
      }
      return event;
    }
    if (this.over) return undefined;
    if (this.signal?.aborted) {
      this.close();
      throw this.signal.reason;
    }
    return this.closed ? undefined : null;
  }

  /**
   * Calls `ready` once, at the end of this turn of the event loop, after the next event is queued or the
   * watch closes (one reader at a time). Not at once: the deltas the model's stream yields in the same
   * turn (a socket read often carries several) merge into the one the reader is about to take, so a
   * reader woken at once does not send one message for the first and another for the rest.
   */
  listen(ready: () => void): void {
    this.ready = ready;
    if (this.closed || this.head < this.queue.length) this.notify();
  }

  [Symbol.asyncIterator](): AsyncIterator<ReplyEvent> {
    return this;
  }

  /** For `for await` and other generic readers; the RPC's stream reads with `take` and `listen`. */
  next(): Promise<IteratorResult<ReplyEvent>> {
    return new Promise((resolve, reject) => this.read(resolve, reject));
  }

  /** Stops the watch: the consumer stopped iterating. */
  return(): Promise<IteratorResult<ReplyEvent>> {
    this.stop();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** The reader stopped (left early, or failed): nothing more is handed out, and the watch detaches. */
  stop(): void {
    this.over = true;
    this.reset();
    this.close();
  }

  /** Detaches from the job; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener("abort", this.abort);
    this.notify();
    this.onClose(this);
  }

  private read(
    resolve: (result: IteratorResult<ReplyEvent>) => void,
    reject: (error: unknown) => void,
  ): void {
    let event: ReplyEvent | null | undefined;
    try {
      event = this.take();
    } catch (error) {
      reject(error);
      return;
    }
    if (event === null) this.listen(() => this.read(resolve, reject));
    else resolve(event === undefined ? { done: true, value: undefined } : { done: false, value: event });
  }

  private readonly abort = () => {
    this.notify();
    this.close();
  };

  private notify(): void {
    const ready = this.ready;
    if (ready) {
      this.ready = null;
      wakeThisTurn(ready);
    }
  }

  private reset(): void {
    this.queue = [];
    this.head = 0;
  }
}

/**
 * The readers to wake at the end of this turn of the event loop, in the order their events came: one
 * `setImmediate` for all of them, not one per wake. From `node:timers`: it is the event loop's turn,
 * not a timer, so tests that fake timers do not hold it back.
 */
let due: (() => void)[] = [];

function wakeThisTurn(ready: () => void): void {
  if (due.push(ready) === 1) setImmediate(wakeDue);
}

function wakeDue(): void {
  const woken = due;
  due = [];
  for (const ready of woken) ready();
}
