/**
 * What one flush sends for one reply, and what its answers mean: one XADD of the whole unconfirmed tail
 * (at the offset where it starts) with a PUBLISH of the same entry, the terminal entry after it once the
 * reply ended (then PEXPIRE `retainAfterEndMs`), or else a PEXPIRE `liveTtlMs` when the last one is
 * older than `ttlRefreshMs`.
 */
import type { ChainableCommander } from "ioredis";
import type { ReplyTail } from "./reply-tails.js";
import {
  liveMessage,
  terminalEntryId,
  terminalFields,
  textEntryId,
  textFields,
  type ReplyKeys,
} from "./reply-stream-format.js";

export interface ExpiryOptions {
  liveTtlMs: number;
  retainAfterEndMs: number;
  ttlRefreshMs: number;
}

/** The commands queued for one reply, to settle its tail with their answers. */
export interface ReplyWrite {
  replyId: string;
  tail: ReplyTail;
  /** Where the stream's text ends once the text XADD succeeds, or null if none was sent. */
  textEnd: number | null;
  terminal: boolean;
  ttl: boolean;
  /** Indexes of the XADD answers in the pipeline, -1 when not sent. */
  textAt: number;
  terminalAt: number;
}

/** Queues the reply's commands on `pipeline` from answer index `at`; null when there is nothing to send. */
export function queueReplyWrite(
  pipeline: ChainableCommander,
  keys: ReplyKeys,
  replyId: string,
  tail: ReplyTail,
  at: number,
  expiry: ExpiryOptions & { now: number; sentAt: number },
): { write: ReplyWrite; count: number } | null {
  const key = keys.stream(replyId);
  const write: ReplyWrite = {
    replyId,
    tail,
    textEnd: null,
    terminal: false,
    ttl: false,
    textAt: -1,
    terminalAt: -1,
  };
  let count = 0;
  const add = (id: string, fields: string[]) => {
    pipeline.xadd(key, id, ...fields).publish(keys.live(replyId), liveMessage(id, fields, expiry.sentAt));
    count += 2;
    return at + count - 2;
  };
  if (tail.length > 0) {
    write.textAt = add(textEntryId(tail.start), textFields(tail.text));
    write.textEnd = tail.start + tail.length;
  }
  if (tail.finished) {
    write.terminalAt = add(
      terminalEntryId(Math.max(tail.finished.length, tail.start + tail.length)),
      terminalFields(tail.finished),
    );
    write.terminal = true;
    pipeline.pexpire(key, expiry.retainAfterEndMs);
    count++;
  } else if (
    write.textEnd !== null &&
    (tail.ttlSetAt === null || expiry.now - tail.ttlSetAt >= expiry.ttlRefreshMs)
  ) {
    pipeline.pexpire(key, expiry.liveTtlMs);
    write.ttl = true;
    count++;
  }
  return count > 0 ? { write, count } : null;
}

const idTooSmall = /equal or smaller than the target stream top/i;

/**
 * The outcome of one reply's XADDs: `ok`, `resync` (an id below the stream's top: an earlier, ambiguous
 * write did land, so read the top and go on from there), or the error that says Redis is unwell.
 */
export function writeOutcome(write: ReplyWrite, answers: [Error | null, unknown][]): "ok" | "resync" | Error {
  const errors = [write.textAt, write.terminalAt]
    .filter((index) => index >= 0)
    .map((index) => answers[index]?.[0] ?? (answers[index] ? null : new Error("no answer")))
    .filter((error): error is Error => error !== null);
  if (errors.length === 0) return "ok";
  return errors.find((error) => !idTooSmall.test(error.message)) ?? "resync";
}
