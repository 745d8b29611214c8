/**
 * The one way a channel that needs a reply's text, not its deltas, reads it: the original service's
 * clients want the text so far with every message, `POST /chat` and WhatsApp want it whole at the end.
 */
import type { ReplyEvent, ReplyFinishedEvent, ReplyStartedEvent } from "./reply-events.js";

/** Each of a reply's events with the reply's text up to and including it. */
export async function* withTextSoFar(
  events: AsyncIterable<ReplyEvent>,
): AsyncGenerator<{ event: ReplyEvent; text: string }> {
  let text = "";
  for await (const event of events) {
    if (event.type === "delta") text += event.text;
    yield { event, text };
  }
}

export interface WholeReply {
  started: ReplyStartedEvent | null;
  text: string;
  /** null when the events ended without one (the watch was cut short). */
  finished: ReplyFinishedEvent | null;
}

/** Reads a reply's events to the end. `onStarted` runs (and is awaited) before the deltas are read on. */
export async function readWholeReply(
  events: AsyncIterable<ReplyEvent>,
  onStarted?: (started: ReplyStartedEvent) => Promise<void>,
): Promise<WholeReply> {
  const whole: WholeReply = { started: null, text: "", finished: null };
  for await (const { event, text } of withTextSoFar(events)) {
    whole.text = text;
    if (event.type === "started") {
      whole.started = event;
      await onStarted?.(event);
    } else if (event.type === "finished") whole.finished = event;
  }
  return whole;
}
