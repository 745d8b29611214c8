/**
 * Server-sent events, decoded from a model's byte stream in one pass. It keeps the SDK's reading of the
 * format (lines end in `\n`, `\r\n` or `\r`; `:` starts a comment; an event is dispatched at an empty
 * line; `data` lines join with `\n`; one space after the colon is dropped; an event cut off by the end of
 * the stream is dropped), with two differences a server cannot tell apart from the outside:
 * - Each byte is looked at a bounded number of times, however the stream is cut into chunks. The SDK
 *   joins its whole pending buffer with every chunk and rescans it from the start, so one long event sent
 *   in small pieces costs it time quadratic in the event's length.
 * - An event has a size limit (`maxEventLength`); past it decoding fails instead of buffering without end.
 */

export interface SseEvent {
  /** The `event:` field; null when the server named none (every chat-completions chunk). */
  event: string | null;
  data: string;
}

/** Thrown when one event outgrows `maxEventLength`. */
export class SseEventTooLarge extends Error {
  constructor(readonly maxEventLength: number) {
    super(`the model's stream sent an event longer than ${maxEventLength} characters`);
    this.name = "SseEventTooLarge";
  }
}

const lineFeed = 10;
const colon = 58;
const space = 32;

export class SseDecoder {
  /** Characters split across chunks wait here for the rest of their bytes. */
  readonly #text = new TextDecoder();
  /** The line read so far, waiting for its end. */
  #line = "";
  /** The last chunk ended in `\r`: a `\n` opening the next one belongs to that line break. */
  #afterCarriageReturn = false;
  #event: string | null = null;
  #data: string[] = [];
  /** Characters held for the current event, not counting the unfinished line. */
  #held = 0;

  /** @param maxEventLength the longest event, in characters (UTF-16 code units), fields included. */
  constructor(readonly maxEventLength: number) {}

  /** The events that `bytes` completes, in order. */
  decode(bytes: Uint8Array): SseEvent[] {
    const text = this.#text.decode(bytes, { stream: true });
    const events: SseEvent[] = [];
    let start = this.#afterCarriageReturn && text.charCodeAt(0) === lineFeed ? 1 : 0;
    if (text.length > 0) this.#afterCarriageReturn = false;
    // Each kind of line end is searched for again only once passed: a text without `\r` (or without
    // `\n`) is scanned for it once, not once per line.
    let carriageReturn = text.indexOf("\r", start);
    let newline = text.indexOf("\n", start);
    for (;;) {
      if (carriageReturn !== -1 && carriageReturn < start) carriageReturn = text.indexOf("\r", start);
      if (newline !== -1 && newline < start) newline = text.indexOf("\n", start);
      const end =
        carriageReturn === -1 || (newline !== -1 && newline < carriageReturn) ? newline : carriageReturn;
      if (end === -1) break;
      const line = this.#line + text.slice(start, end);
      this.#line = "";
      this.#fits(line.length);
      const event = this.#take(line);
      if (event) events.push(event);
      start = end + 1;
      if (end === carriageReturn) {
        if (start === text.length) this.#afterCarriageReturn = true;
        else if (text.charCodeAt(start) === lineFeed) start++;
      }
    }
    if (start < text.length) {
      this.#line += start === 0 ? text : text.slice(start);
      this.#fits(this.#line.length);
    }
    return events;
  }

  /** Fails once the current event, with `pending` more characters, would pass the limit. */
  #fits(pending: number): void {
    if (this.#held + pending > this.maxEventLength) throw new SseEventTooLarge(this.maxEventLength);
  }

  /** Applies one whole line; returns the event an empty line completes. */
  #take(line: string): SseEvent | undefined {
    if (line === "") {
      const event = this.#event;
      const data = this.#data;
      this.#held = 0;
      if (data.length === 0 && !event) return undefined;
      this.#event = null;
      this.#data = [];
      return { event, data: data.length === 1 ? (data[0] as string) : data.join("\n") };
    }
    if (line.charCodeAt(0) === colon) return undefined; // a comment (a keep-alive, say)
    const at = line.indexOf(":");
    const field = at === -1 ? line : line.slice(0, at);
    const value = at === -1 ? "" : line.slice(line.charCodeAt(at + 1) === space ? at + 2 : at + 1);
    if (field === "data") {
      this.#data.push(value);
      // The `\n` that joins it counts too: endless empty `data:` lines would otherwise grow the list free.
      this.#held += value.length + 1;
    } else if (field === "event") {
      this.#event = value;
      this.#held += value.length;
    } // `id`, `retry` and unknown fields: nothing a chat stream needs, and nothing is kept
    return undefined;
  }
}
