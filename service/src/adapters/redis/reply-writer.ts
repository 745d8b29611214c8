/**
 * The owner's side of the bus: `appended` and `ended` only record in memory and schedule one flush per
 * event-loop turn; a flush sends ONE pipeline for every reply with something new — per reply one XADD of
 * its whole unconfirmed tail, a PUBLISH of the same entry, a PEXPIRE now and then, and the terminal entry
 * after the text once it ended. At most one pipeline is in flight: what is appended meanwhile waits for
 * the next flush, so batches grow under load instead of commands piling up.
 *
 * Expiry: a live stream expires `liveTtlMs` after its last refresh (default 1 h, refreshed at most every
 * `ttlRefreshMs`, about once a minute), so a reply whose owner died does not stay forever; once ended it
 * is kept `retainAfterEndMs` (default 5 min) for followers that arrive late, then the database has it.
 *
 * Faults: a failed flush keeps the tails and marks them uncertain (the write may have landed); the next
 * flush first reads each uncertain stream's top entry and drops what is already there, then writes the
 * rest as one entry per reply, so followers see no gap and no duplicate. Outages are tracked by the
 * connection (see `reply-bus-outage.ts`); while one lasts nothing is sent.
 */
import type { Redis } from "ioredis";
import type { ReplyFinishedEvent } from "../../application/replies/reply-events.js";
import type { ReplyBusOutage } from "./reply-bus-outage.js";
import { appendToTail, confirmUpTo, newTail, type ReplyTail } from "./reply-tails.js";
import {
  decodeEntry,
  liveMessage,
  terminalEntryId,
  terminalFields,
  textEntryId,
  textFields,
  type ReplyKeys,
} from "./reply-stream-format.js";

export interface ReplyWriterOptions {
  redis: Redis;
  keys: ReplyKeys;
  outage: ReplyBusOutage;
  liveTtlMs: number;
  retainAfterEndMs: number;
  ttlRefreshMs: number;
  now: () => number;
}

export interface ReplyWriter {
  appended(replyId: string, offset: number, text: string): void;
  ended(replyId: string, finished: ReplyFinishedEvent): void;
  /** Replies with something not yet confirmed by Redis. */
  pendingReplies(): number;
  /** Drops the tails of ended replies (the database has them); returns how many. */
  dropEnded(): number;
  /** Flushes until nothing is pending or `timeoutMs` passes (or Redis is away). */
  drain(timeoutMs: number): Promise<void>;
  /** Starts a flush if there is something to send (after Redis is back). */
  resume(): void;
}

/** What one flush sends for one reply, to settle the tail with the answers. */
interface Sent {
  replyId: string;
  tail: ReplyTail;
  textEnd: number | null;
  terminal: boolean;
  ttl: boolean;
  /** Indexes of this reply's XADD answers in the pipeline. */
  textAt: number;
  terminalAt: number;
}

const idTooSmall = /equal or smaller than the target stream top/i;

export function createReplyWriter(options: ReplyWriterOptions): ReplyWriter {
  const { redis, keys, outage, now } = options;
  const tails = new Map<string, ReplyTail>();
  const dirty = new Set<string>();
  let scheduled = false;
  let inFlight: Promise<void> | null = null;

  const schedule = () => {
    if (scheduled || inFlight || dirty.size === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  };

  function flush() {
    if (inFlight || dirty.size === 0 || redis.status !== "ready") return;
    const batch = [...dirty];
    dirty.clear();
    inFlight = send(batch)
      .catch((error: unknown) => {
        for (const replyId of batch) {
          const tail = tails.get(replyId);
          if (!tail) continue;
          tail.uncertain = true;
          dirty.add(replyId);
        }
        outage.failed(error);
      })
      .finally(() => {
        inFlight = null;
        schedule();
      });
  }

  async function send(batch: string[]) {
    await resync(batch.filter((replyId) => tails.get(replyId)?.uncertain));
    const pipeline = redis.pipeline();
    const sent: Sent[] = [];
    let index = 0;
    const at = now();
    for (const replyId of batch) {
      const tail = tails.get(replyId);
      if (!tail) continue;
      const key = keys.stream(replyId);
      const entry: Sent = {
        replyId,
        tail,
        textEnd: null,
        terminal: false,
        ttl: false,
        textAt: -1,
        terminalAt: -1,
      };
      if (tail.length > 0) {
        const id = textEntryId(tail.start);
        const fields = textFields(tail.text);
        pipeline.xadd(key, id, ...fields).publish(keys.live(replyId), liveMessage(id, fields));
        entry.textAt = index;
        entry.textEnd = tail.start + tail.length;
        index += 2;
      }
      if (tail.finished) {
        const id = terminalEntryId(Math.max(tail.finished.length, tail.start + tail.length));
        const fields = terminalFields(tail.finished);
        pipeline.xadd(key, id, ...fields).publish(keys.live(replyId), liveMessage(id, fields));
        pipeline.pexpire(key, options.retainAfterEndMs);
        entry.terminal = true;
        entry.terminalAt = index;
        index += 3;
      } else if (
        entry.textEnd !== null &&
        (tail.ttlSetAt === null || at - tail.ttlSetAt >= options.ttlRefreshMs)
      ) {
        pipeline.pexpire(key, options.liveTtlMs);
        entry.ttl = true;
        index += 1;
      }
      sent.push(entry);
    }
    if (sent.length === 0) return;
    const answers = await pipeline.exec();
    if (!answers) throw new Error("the flush pipeline was discarded");
    let failure: Error | null = null;
    for (const entry of sent) failure = settle(entry, answers, at) ?? failure;
    if (failure) throw failure;
    outage.succeeded();
  }

  /** Applies the answers for one reply; returns an error that means Redis is unwell, or null. */
  function settle(entry: Sent, answers: [Error | null, unknown][], at: number): Error | null {
    const { replyId, tail } = entry;
    if (tails.get(replyId) !== tail) return null;
    const textError = entry.textAt >= 0 ? answers[entry.textAt]?.[0] : null;
    const terminalError = entry.terminalAt >= 0 ? answers[entry.terminalAt]?.[0] : null;
    if (textError || terminalError) {
      tail.uncertain = true;
      dirty.add(replyId);
      const error = (textError ?? terminalError) as Error;
      // An id below the stream's top means an earlier, ambiguous write did land: resync, no outage.
      return idTooSmall.test(error.message) ? null : error;
    }
    if (entry.textEnd !== null) confirmUpTo(tail, entry.textEnd);
    if (entry.ttl) tail.ttlSetAt = at;
    if (entry.terminal) tails.delete(replyId);
    return null;
  }

  /** Reads the top entry of each uncertain stream and drops from its tail what is already there. */
  async function resync(replyIds: string[]) {
    if (replyIds.length === 0) return;
    const pipeline = redis.pipeline();
    for (const replyId of replyIds) pipeline.xrevrange(keys.stream(replyId), "+", "-", "COUNT", 1);
    const answers = await pipeline.exec();
    if (!answers) throw new Error("the resync pipeline was discarded");
    replyIds.forEach((replyId, i) => {
      const [error, result] = answers[i] ?? [new Error("no answer"), null];
      if (error) throw error;
      const tail = tails.get(replyId);
      if (!tail) return;
      const top = Array.isArray(result) && result.length > 0 ? decodeEntry(result[0]) : null;
      if (top?.kind === "end") {
        tails.delete(replyId);
        dirty.delete(replyId);
        return;
      }
      if (top) confirmUpTo(tail, top.end);
      tail.uncertain = false;
    });
  }

  return {
    appended(replyId, offset, text) {
      let tail = tails.get(replyId);
      if (!tail) tails.set(replyId, (tail = newTail(offset)));
      if (tail.finished || !appendToTail(tail, offset, text)) return;
      dirty.add(replyId);
      schedule();
    },
    ended(replyId, finished) {
      let tail = tails.get(replyId);
      if (!tail) tails.set(replyId, (tail = newTail(finished.length)));
      tail.finished = finished;
      dirty.add(replyId);
      schedule();
    },
    pendingReplies: () => [...tails.values()].filter((tail) => tail.length > 0 || tail.finished).length,
    dropEnded() {
      let dropped = 0;
      for (const [replyId, tail] of tails) {
        if (!tail.finished) continue;
        tails.delete(replyId);
        dirty.delete(replyId);
        dropped++;
      }
      return dropped;
    },
    async drain(timeoutMs) {
      const deadline = now() + timeoutMs;
      while ((dirty.size > 0 || inFlight) && redis.status === "ready" && now() < deadline) {
        flush();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          inFlight ?? Promise.resolve(),
          new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - now())))),
        ]);
        clearTimeout(timer);
      }
    },
    resume: schedule,
  };
}
