/**
 * Turns a reply's events into an RPC's response stream. A reply that did not end cleanly sends its
 * `finished` event and then fails the RPC with its domain code (mapped by the error interceptor), so a
 * cut answer never looks whole.
 *
 * Each delta crosses this stream on its way from the watcher's queue to connect-node, so it is one
 * iterator with as few promise hops as it can have (docs/benchmarks.md, "Fewer hops per delta"): it
 * opens the reply itself on the first `next` (the handler need not be an async generator around it),
 * reads a live reply's subscription synchronously and maps each event as it takes it, resolving the
 * waiting `next` directly, and maps what it throws with the error interceptor's mapping when the
 * interceptor hands it over (connect-errors.ts, `claimStreamErrorMapping`), so the interceptor need not
 * wrap it in an iterator of its own.
 */
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { ReplySubscription } from "../../application/replies/reply-subscription.js";
import { DomainError } from "../../domain/errors.js";

/** A reply's events, or how to start it (called on the stream's first `next`). */
export type ReplySource = AsyncIterable<ReplyEvent> | (() => Promise<AsyncIterable<ReplyEvent>>);

export function mapReplyStream<T>(
  events: ReplySource,
  toMessage: (event: ReplyEvent) => T,
  /** What the stream throws instead of `error`; null: the error itself. */
  mapError: ((error: unknown) => unknown) | null = null,
): AsyncIterable<T> {
  return new ReplyMessages(events, toMessage, mapError);
}

const done: IteratorResult<never> = { done: true, value: undefined };

/**
 * One object, its own iterator, rather than an async generator or closures: it lives as long as the
 * reply's stream, and a generator frame or a closure per method would cost every open stream more
 * memory (docs/benchmarks.md, "Per-stream memory"). Iterated once, as a generator is, with one `next`
 * at a time (as Connect and `for await` call it).
 */
class ReplyMessages<T> implements AsyncIterable<T>, AsyncIterator<T> {
  private open: (() => Promise<AsyncIterable<ReplyEvent>>) | null = null;
  /** A live reply, read with `take` and `listen`. */
  private subscription: ReplySubscription | null = null;
  /** Any other source of events (a stored reply's replay, one followed on another process). */
  private iterator: AsyncIterator<ReplyEvent> | null = null;
  /** Thrown on the call after the `finished` event that carried it: the event goes out first. */
  private failure: DomainError | null = null;
  /** The `next` waiting for the subscription's next event. */
  private resolve: ((result: IteratorResult<T>) => void) | null = null;
  private reject: ((error: unknown) => void) | null = null;
  /** Told by the subscription when an event is queued or it closed (one function per stream). */
  private ready: (() => void) | null = null;

  constructor(
    events: ReplySource,
    private readonly toMessage: (event: ReplyEvent) => T,
    private readonly mapError: ((error: unknown) => unknown) | null,
  ) {
    if (typeof events === "function") this.open = events;
    else this.use(events);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.open) return this.opened();
    const subscription = this.subscription;
    if (!subscription) return this.nextOf(this.iterator!);
    let result: IteratorResult<T> | null;
    try {
      result = this.take(subscription);
    } catch (error) {
      return Promise.reject(this.fail(error));
    }
    if (result) return Promise.resolve(result);
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      subscription.listen((this.ready ??= () => this.settle()));
    });
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.open = null;
    this.failure = null;
    try {
      if (this.subscription) this.subscription.stop();
      else await this.iterator?.return?.();
    } catch (error) {
      throw this.fail(error);
    }
    return { done: true, value: value as T };
  }

  private use(events: AsyncIterable<ReplyEvent>): void {
    if (events instanceof ReplySubscription) this.subscription = events;
    else this.iterator = events[Symbol.asyncIterator]();
  }

  /** The first `next` of a stream that starts its reply: once per stream. */
  private async opened(): Promise<IteratorResult<T>> {
    const open = this.open!;
    this.open = null;
    try {
      this.use(await open());
    } catch (error) {
      throw this.fail(error);
    }
    return this.next();
  }

  /** The next message from a live reply, or null while none is queued. */
  private take(subscription: ReplySubscription): IteratorResult<T> | null {
    const failure = this.failure;
    if (failure) {
      this.failure = null;
      subscription.stop();
      throw failure;
    }
    const event = subscription.take();
    if (event === null) return null;
    if (event === undefined) return done;
    try {
      return this.message(event);
    } catch (error) {
      subscription.stop();
      throw error;
    }
  }

  /** The subscription has news for the waiting `next`. */
  private settle(): void {
    const resolve = this.resolve;
    const reject = this.reject;
    if (!resolve || !reject) return;
    let result: IteratorResult<T> | null;
    try {
      result = this.take(this.subscription!);
    } catch (error) {
      this.resolve = this.reject = null;
      reject(this.fail(error));
      return;
    }
    if (!result) {
      this.subscription!.listen(this.ready!);
      return;
    }
    this.resolve = this.reject = null;
    resolve(result);
  }

  private async nextOf(iterator: AsyncIterator<ReplyEvent>): Promise<IteratorResult<T>> {
    try {
      if (this.failure) {
        const failure = this.failure;
        this.failure = null;
        await iterator.return?.();
        throw failure;
      }
      const result = await iterator.next();
      if (result.done) return done;
      try {
        return this.message(result.value);
      } catch (error) {
        await iterator.return?.();
        throw error;
      }
    } catch (error) {
      throw this.fail(error);
    }
  }

  private message(event: ReplyEvent): IteratorResult<T> {
    if (event.type === "finished" && event.errorCode !== null) {
      this.failure = new DomainError(event.errorCode, event.error ?? "the reply did not finish");
    }
    return { done: false, value: this.toMessage(event) };
  }

  private fail(error: unknown): unknown {
    return this.mapError ? this.mapError(error) : error;
  }
}
