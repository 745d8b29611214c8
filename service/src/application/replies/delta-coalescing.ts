/**
 * Backpressure-aware coalescing of a watcher's deltas. A watcher's queue grows only while its consumer
 * is not taking events: the RPC's transport is not draining (connect-node awaits `drain` when an HTTP/2
 * stream's buffer is full or its flow-control window is closed) or the event loop is busy. Then each new
 * delta is appended to the delta still waiting at the queue's tail instead of becoming a message of its
 * own, so a slow reader gets one message for a run of tokens, not one per token. Nothing is held back
 * past the current turn of the event loop: a waiting consumer is woken at its end (reply-subscription.ts),
 * so the deltas one socket read of the model's stream carried go out as one message, and a live reader
 * sees no difference.
 *
 * Offsets stay exact: a merged delta's offset is its first part's, its text the parts' concatenation,
 * and only contiguous deltas merge. Two bounds keep merged messages ordinary: its text stays within
 * `maxBytes` of UTF-8 (a single larger delta, such as a watcher's catch-up text, is never split), and it
 * gathers only parts produced within `maxAgeMs` of its first, so a long stall still arrives as a
 * sequence of short-span messages rather than one.
 */
import type { ReplyDeltaEvent } from "./reply-events.js";
import { codePointLength } from "./text-offsets.js";

export interface DeltaCoalescing {
  /** A merged delta's most UTF-8 bytes. */
  maxBytes: number;
  /** How long after a merged delta's first part later parts may still join it (ms). */
  maxAgeMs: number;
  /** A monotonic clock in ms (tests inject one); default `performance.now`. */
  now?: () => number;
}

/** 16 ms is one frame at 60 Hz; 16 KiB is the HTTP/2 stream buffer at which connect-node waits. */
export const defaultDeltaCoalescing: DeltaCoalescing = { maxBytes: 16_384, maxAgeMs: 16 };

/** UTF-8 bytes of `text` (a lone surrogate counts 3, as the encoder's replacement character does). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit <= 0xdbff && unit >= 0xd800 && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // a pair: 2 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** One clock for every tail that was given none (not a closure per watcher). */
const performanceNow = () => performance.now();

/**
 * The open tail of one watcher's queue: the delta waiting there, when later deltas may still join it.
 * `admit` answers with the merged delta to put in its place, or null when the new delta must queue on
 * its own (and becomes the new tail).
 */
export class DeltaTail {
  private startedAt = 0;
  /** Bytes and end offset of the tail, computed on the first merge attempt (-1: not yet). */
  private bytes = -1;
  private end = -1;
  private readonly now: () => number;

  constructor(private readonly limits: DeltaCoalescing) {
    this.now = limits.now ?? performanceNow;
  }

  /** A delta was queued on its own: it opens the tail. */
  opened(): void {
    this.startedAt = this.now();
    this.bytes = -1;
    this.end = -1;
  }

  /** `next` merged into `tail` when the bounds allow it, else null. */
  admit(tail: ReplyDeltaEvent, next: ReplyDeltaEvent): ReplyDeltaEvent | null {
    if (this.now() - this.startedAt > this.limits.maxAgeMs) return null;
    if (this.end < 0) {
      this.end = tail.offset + codePointLength(tail.text);
      this.bytes = utf8Length(tail.text);
    }
    if (next.offset !== this.end) return null;
    const bytes = this.bytes + utf8Length(next.text);
    if (bytes > this.limits.maxBytes) return null;
    this.bytes = bytes;
    this.end += codePointLength(next.text);
    return { type: "delta", text: tail.text + next.text, offset: tail.offset };
  }
}
