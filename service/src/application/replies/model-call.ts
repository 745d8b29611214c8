/**
 * A model request sent before its reply's job exists: a turn starts it while its transaction commits
 * (time to first token, see turn.ts), then hands it to the job, or aborts it when the turn fails.
 *
 * The request waits for its prompt (fitted while the transaction runs), then its first step is pulled
 * at once so the HTTP request goes out without waiting for a consumer; `events()` yields that step
 * first. A failure before anyone consumes it is held, not unhandled, and thrown to the consumer.
 */
import type { ChatModel, ModelEvent, ModelRequest } from "./chat-model.js";

export class ModelCall {
  private readonly controller = new AbortController();
  private readonly first: Promise<{ events: AsyncIterator<ModelEvent>; step: IteratorResult<ModelEvent> }>;

  constructor(model: ChatModel, request: Promise<ModelRequest>) {
    const signal = this.controller.signal;
    this.first = request.then(async (ready) => {
      signal.throwIfAborted();
      const events = model.stream(ready, signal)[Symbol.asyncIterator]();
      return { events, step: await events.next() };
    });
    // Held for the consumer; a call aborted before it is consumed just ends here.
    this.first.catch(() => undefined);
  }

  /** The request's signal: aborted when the call is. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends the request (and closes its socket), or keeps it from being sent when its prompt is not ready. */
  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  /**
   * The model's events, the first one (already requested) included. Consumed once. After the first,
   * each step is the model stream's own (no generator in between: this is on every delta's path).
   */
  events(): AsyncIterable<ModelEvent> {
    let events: AsyncIterator<ModelEvent> | null = null;
    const first = this.first;
    const iterator: AsyncIterator<ModelEvent> = {
      next() {
        if (events) return events.next();
        return first.then((started) => {
          events = started.events;
          return started.step;
        });
      },
      // A consumer that stops early ends the model's stream, as breaking out of it would.
      async return(value?: unknown) {
        const source = events ?? (await first.catch(() => null))?.events;
        return (await source?.return?.(value)) ?? { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }
}
