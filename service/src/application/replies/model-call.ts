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

  /** The model's events, the first one (already requested) included. Consumed once. */
  async *events(): AsyncGenerator<ModelEvent> {
    const { events, step } = await this.first;
    if (step.done) return;
    let done = false;
    try {
      yield step.value;
      for (;;) {
        const next = await events.next();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // A consumer that stops early ends the model's stream, as breaking out of it would.
      if (!done) await events.return?.();
    }
  }
}
