/**
 * Turns a reply's events into an RPC's response stream. A reply that did not end cleanly sends its
 * `finished` event and then fails the RPC with its domain code (mapped by the error interceptor), so a
 * cut answer never looks whole.
 */
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { DomainError } from "../../domain/errors.js";

export async function* mapReplyStream<T>(
  events: AsyncIterable<ReplyEvent>,
  toMessage: (event: ReplyEvent) => T,
): AsyncGenerator<T> {
  for await (const event of events) {
    yield toMessage(event);
    if (event.type === "finished" && event.errorCode !== null) {
      throw new DomainError(event.errorCode, event.error ?? "the reply did not finish");
    }
  }
}
