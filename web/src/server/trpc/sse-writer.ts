/**
 * A tRPC subscription's events written to a Node response as tRPC's SSE format, byte for byte what
 * tRPC's own producer sends (`connected`, data with the `tracked` id, `restore-id`, `ping`, `return`,
 * `serialized-error`) and what `httpSubscriptionLink` reads. tRPC's producer is a chain of Web Streams
 * (a ReadableStream, two TransformStreams and the adapter's WritableStream, several promises per event);
 * here the events go from the procedure's async iterable straight to `response.write`.
 *
 * Still pull-based: the next event is taken only after the last one was written, and while the socket
 * does not drain nothing is taken, so a slow browser's backlog waits upstream (where the service merges
 * deltas). Events taken in one turn of the event loop leave in one socket write: Node's HTTP/1.1 response
 * corks its socket from a chunk's write until the turn's microtasks have run (sse-writer.test.ts holds it).
 */
import "server-only";
import type { ServerResponse } from "node:http";
import { isAbortError, isTrackedEnvelope, sseHeaders } from "@trpc/server/unstable-core-do-not-import";

export interface SseWriterOptions {
  /** Turns an event's data into JSON-ready data (the router's transformer). */
  serialize: (data: unknown) => unknown;
  /** The error shape sent in `serialized-error` for an error thrown by the events. */
  formatError: (error: unknown) => unknown;
  /** Sent in the `connected` event: what tRPC's client options ask for (reconnect after inactivity). */
  client: object;
  /** A `ping` event after this long without one (0: none). */
  pingMs: number;
  /** The id the browser resumed from, repeated after an untracked event so it keeps it. */
  lastEventId: string | null;
  /** Aborted when the browser leaves. */
  signal: AbortSignal;
}

/** Writes `events` to `response` until they end, fail, or the browser leaves; then ends the response. */
export async function writeSse(
  response: ServerResponse,
  events: AsyncIterable<unknown>,
  options: SseWriterOptions,
): Promise<void> {
  response.writeHead(200, sseHeaders);
  const write = writer(response);
  write(frame("connected", JSON.stringify(options.client)));
  const ping = options.pingMs > 0 ? setInterval(() => write(frame("ping", "")), options.pingMs) : null;
  // An id with these characters cannot be sent back in an `id` field, as in tRPC's producer.
  let lastEventId =
    options.lastEventId !== null && !/[\0\n\r]/.test(options.lastEventId) ? options.lastEventId : null;
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      ping?.refresh();
      let ready: boolean;
      if (isTrackedEnvelope(step.value)) {
        lastEventId = step.value[0];
        ready = write(frame(undefined, JSON.stringify(options.serialize(step.value[1])), lastEventId));
      } else if (lastEventId === null) {
        ready = write(frame(undefined, JSON.stringify(options.serialize(step.value))));
      } else {
        // EventSource gives an event without an id the last id it received: clear it for this event, then
        // set it back with an event clients do not listen to, so a reconnect still resumes from it.
        write(frame(undefined, JSON.stringify(options.serialize(step.value)), ""));
        ready = write(frame("restore-id", "", lastEventId));
      }
      if (!ready && !(await drained(response))) return;
    }
    write(frame("return", ""));
  } catch (error) {
    if (!isAbortError(error) && !options.signal.aborted) {
      write(frame("serialized-error", JSON.stringify(options.serialize(options.formatError(error)))));
    }
  } finally {
    if (ping) clearInterval(ping);
    if (!response.writableEnded) response.end();
    await iterator.return?.();
  }
}

/** One event as tRPC's producer frames it: its fields, then two blank lines. */
function frame(event: string | undefined, data: string, id?: string): string {
  const head = event === undefined ? "" : `event: ${event}\n`;
  return `${head}data: ${data}\n${id === undefined ? "" : `id: ${id}\n`}\n\n`;
}

/** `response.write` while the response is open (after the browser left, nothing is written). */
function writer(response: ServerResponse): (text: string) => boolean {
  return (text) => !response.writableEnded && !response.destroyed && response.write(text);
}

/** Waits until the response drains (true) or closes (false: the browser left). */
function drained(response: ServerResponse): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (open: boolean) => () => {
      response.off("drain", onDrain);
      response.off("close", onClose);
      resolve(open);
    };
    const onDrain = done(true);
    const onClose = done(false);
    response.once("drain", onDrain);
    response.once("close", onClose);
  });
}
