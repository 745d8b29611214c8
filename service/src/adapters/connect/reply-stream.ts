/**
 * Turns a reply's events into an RPC's response stream. A reply that did not end cleanly sends its
 * `finished` event and then fails the RPC with its domain code (mapped by the error interceptor), so a
 * cut answer never looks whole.
 */
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { DomainError } from "../../domain/errors.js";

export function mapReplyStream<T>(
  events: AsyncIterable<ReplyEvent>,
  toMessage: (event: ReplyEvent) => T,
): AsyncIterable<T> {
  return new ReplyMessages(events, toMessage);
}

/**
 * One object, its own iterator, rather than an async generator or closures: it lives as long as the
 * reply's stream, and a generator frame or a closure per method would cost every open stream more
 * memory (docs/benchmarks.md, "Per-stream memory"). Iterated once, as a generator is.
 */
class ReplyMessages<T> implements AsyncIterable<T>, AsyncIterator<T> {
  private iterator: AsyncIterator<ReplyEvent> | null = null;
  /** Thrown on the call after the `finished` event that carried it: the event goes out first. */
  private failure: DomainError | null = null;

  constructor(
    private readonly events: AsyncIterable<ReplyEvent>,
    private readonly toMessage: (event: ReplyEvent) => T,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    const iterator = (this.iterator ??= this.events[Symbol.asyncIterator]());
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      await iterator.return?.();
      throw failure;
    }
    const result = await iterator.next();
    if (result.done) return { done: true, value: undefined };
    const event = result.value;
    if (event.type === "finished" && event.errorCode !== null) {
      this.failure = new DomainError(event.errorCode, event.error ?? "the reply did not finish");
    }
    try {
      return { done: false, value: this.toMessage(event) };
    } catch (error) {
      await iterator.return?.();
      throw error;
    }
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.failure = null;
    await this.iterator?.return?.();
    return { done: true, value: value as T };
  }
}
