/**
 * The owner's memory of each live reply's text that Redis has not confirmed yet: one tail per reply,
 * starting where the stream's confirmed text ends. Pure bookkeeping, no I/O.
 */
import type { ReplyFinishedEvent } from "../../application/replies/reply-events.js";
import { codePointLength, sliceFromCodePoint } from "../../application/replies/text-offsets.js";

export interface ReplyTail {
  /** Code-point offset where `text` starts: the end of what the stream is known to hold. */
  start: number;
  /** Text not yet confirmed on the stream. */
  text: string;
  /** `text` in code points. */
  length: number;
  /** Set by `ended`: written after the text, then the tail is done. */
  finished: ReplyFinishedEvent | null;
  /** When the live TTL was last set (epoch ms), or null. */
  ttlSetAt: number | null;
  /** A write may or may not have landed: read the stream's top before writing again. */
  uncertain: boolean;
  /** An append that left a hole was logged (once per reply). */
  holeReported: boolean;
}

export const newTail = (start: number): ReplyTail => ({
  start,
  text: "",
  length: 0,
  finished: null,
  ttlSetAt: null,
  uncertain: false,
  holeReported: false,
});

/**
 * Adds `text` appended at `offset`. Text the tail already holds (or the stream already has) is skipped;
 * returns false when `offset` leaves a hole after the tail (the owner skipped text): followers could not
 * cross it, so nothing after it is added.
 */
export function appendToTail(tail: ReplyTail, offset: number, text: string): boolean {
  const end = tail.start + tail.length;
  if (offset > end) return false;
  if (offset < end) {
    text = sliceFromCodePoint(text, end - offset);
  }
  if (text === "") return true;
  tail.text += text;
  tail.length += codePointLength(text);
  return true;
}

/** The stream now holds text up to code point `end`: drops that part of the tail. */
export function confirmUpTo(tail: ReplyTail, end: number): void {
  if (end <= tail.start) return;
  const drop = end - tail.start;
  if (drop >= tail.length) {
    tail.text = "";
    tail.length = 0;
  } else {
    tail.text = sliceFromCodePoint(tail.text, drop);
    tail.length -= drop;
  }
  tail.start = end;
}
