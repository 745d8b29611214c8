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
import type { Logger } from "../../application/ports.js";
import type { ReplyFinishedEvent } from "../../application/replies/reply-events.js";
import type { ReplyBusOutage } from "./reply-bus-outage.js";
import { appendToTail, confirmUpTo, newTail, type ReplyTail } from "./reply-tails.js";
import { queueReplyWrite, writeOutcome, type ExpiryOptions, type ReplyWrite } from "./flush-commands.js";
import { decodeEntry, type ReplyKeys } from "./reply-stream-format.js";

export interface ReplyWriterOptions extends ExpiryOptions {
  redis: Redis;
  keys: ReplyKeys;
  outage: ReplyBusOutage;
  logger: Logger;
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

export function createReplyWriter(options: ReplyWriterOptions): ReplyWriter {
  const { redis, keys, outage, now } = options;
  const tails = new Map<string, ReplyTail>();
  const dirty = new Set<string>();
  let scheduled = false;
  let inFlight: Promise<void> | null = null;
  // After a failed flush (Redis answers but refuses, or times out), the next waits a little longer each
  // time instead of retrying every turn; Redis coming back (`resume`) retries at once.
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;

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
        failures++;
        outage.failed(error);
      })
      .finally(() => {
        inFlight = null;
        if (failures === 0) return schedule();
        clearTimeout(retryTimer);
        retryTimer = setTimeout(schedule, Math.min(50 * 2 ** failures, 2_000));
        retryTimer.unref();
      });
  }

  async function send(batch: string[]) {
    await resync(batch.filter((replyId) => tails.get(replyId)?.uncertain));
    const pipeline = redis.pipeline();
    const writes: ReplyWrite[] = [];
    let count = 0;
    const at = now();
    // The live messages carry the wall-clock time they are sent at, for the followers' lag.
    const expiry = { ...options, now: at, sentAt: Date.now() };
    for (const replyId of batch) {
      const tail = tails.get(replyId);
      const queued = tail && queueReplyWrite(pipeline, keys, replyId, tail, count, expiry);
      if (!queued) continue;
      writes.push(queued.write);
      count += queued.count;
    }
    if (writes.length > 0) {
      const answers = await pipeline.exec();
      if (!answers) throw new Error("the flush pipeline was discarded");
      let failure: Error | null = null;
      for (const write of writes) failure = settle(write, answers, at) ?? failure;
      if (failure) throw failure;
    }
    failures = 0;
    outage.succeeded();
  }

  /** Applies the answers for one reply; returns an error that means Redis is unwell, or null. */
  function settle(write: ReplyWrite, answers: [Error | null, unknown][], at: number): Error | null {
    const { replyId, tail } = write;
    if (tails.get(replyId) !== tail) return null;
    const outcome = writeOutcome(write, answers);
    if (outcome !== "ok") {
      tail.uncertain = true;
      dirty.add(replyId);
      return outcome === "resync" ? null : outcome;
    }
    if (write.textEnd !== null) confirmUpTo(tail, write.textEnd);
    if (write.ttl) tail.ttlSetAt = at;
    if (write.terminal) tails.delete(replyId);
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
      if (tail.finished) return;
      if (!appendToTail(tail, offset, text)) {
        if (!tail.holeReported) {
          tail.holeReported = true;
          options.logger.error("reply bus: an append skipped text; the reply stops on the bus here", {
            replyId,
            offset,
            expected: tail.start + tail.length,
          });
        }
        return;
      }
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
    resume() {
      clearTimeout(retryTimer);
      failures = 0;
      schedule();
    },
  };
}
