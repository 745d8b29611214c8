/**
 * Turns a reply's events into an RPC's response stream. A reply that did not end cleanly sends its
 * `finished` event and then fails the RPC with its domain code (mapped by the error interceptor), so a
 * cut answer never looks whole.
 */
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { DomainError } from "../../domain/errors.js";

/**
 * A plain iterator rather than an async generator: it lives as long as the reply's stream, and a
 * generator frame (with its own promises per message) would cost every open stream more memory and
 * every message more microtask hops (docs/benchmarks.md, "Per-stream memory").
 */
export function mapReplyStream<T>(
  events: AsyncIterable<ReplyEvent>,
  toMessage: (event: ReplyEvent) => T,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const iterator = events[Symbol.asyncIterator]();
      /** Thrown on the call after the `finished` event that carried it: the event goes out first. */
      let failure: DomainError | null = null;
      const close = () => iterator.return?.() ?? Promise.resolve(null);
      return {
        next: async (): Promise<IteratorResult<T>> => {
          if (failure) {
            const error = failure;
            failure = null;
            await close();
            throw error;
          }
          const result = await iterator.next();
          if (result.done) return { done: true, value: undefined };
          const event = result.value;
          if (event.type === "finished" && event.errorCode !== null) {
            failure = new DomainError(event.errorCode, event.error ?? "the reply did not finish");
          }
          try {
            return { done: false, value: toMessage(event) };
          } catch (error) {
            await close();
            throw error;
          }
        },
        return: async (value?: unknown): Promise<IteratorResult<T>> => {
          failure = null;
          await close();
          return { done: true, value: value as T };
        },
      };
    },
  };
}
