/**
 * Saving live replies' progress without letting it crowd out everything else. Each reply asks for a
 * save at most once per progress interval; the saves then go out in batches — one write for the
 * replies that asked within `gatherMs` of each other (up to `maxBatch` replies and `maxBatchBytes` of
 * text) — at most `maxInFlight` writes at a time, in the order asked. A reply waiting is there once and
 * saves its latest text when its batch goes, so under load saves coalesce and the interval stretches
 * instead of piling statements onto the store. Measured before this existed (docs/benchmarks.md): 1 000
 * open replies each saving every second overflowed the connection pool's queue, and new messages
 * failed with UNAVAILABLE; and one statement per reply per second was ~6 % of a paced stream's CPU at
 * 150 streams per core ("Progress saves in batches").
 */
import type { ChatRepository, ProgressSave } from "../chats/chat-repository.js";
import type { Clock, Logger } from "../ports.js";

/** A reply whose progress can be saved. */
export interface ProgressSource {
  readonly replyId: string;
  /** Its text so far and its prompt's tokens; null once it has ended (nothing left to save). */
  progress(): Omit<ProgressSave, "replyId"> | null;
  /** Told when a save matched nothing: the reply is no longer this process's (its lease ran out). */
  leaseLost(): void;
}

/** How long a first request waits for others to share its write, unless told otherwise. */
export const defaultGatherMs = 100;

export interface ProgressWriterOptions {
  /** Writes at a time (default 2). */
  maxInFlight?: number;
  /** How long the first request waits for others to share its write (default 100 ms; 0: none). */
  gatherMs?: number;
  /** Replies per write (default 100): bounds the statement and the rows it locks. */
  maxBatch?: number;
  /** Text per write, in UTF-8 bytes at most (default 1 MiB; one longer reply goes alone). */
  maxBatchBytes?: number;
}

export class ReplyProgressWriter {
  private readonly waiting = new Set<ProgressSource>();
  private inFlight = 0;
  private gathering: NodeJS.Timeout | null = null;
  private readonly maxInFlight: number;
  private readonly gatherMs: number;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly repository: Pick<ChatRepository, "saveRepliesProgress">,
    /** Whose saves these are: each is fenced by owner. */
    private readonly owner: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: ProgressWriterOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.gatherMs = options.gatherMs ?? defaultGatherMs;
    this.maxBatch = options.maxBatch ?? 100;
    this.maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
  }

  /** Asks for `source` to be saved with the next batch (once, however often it asks). */
  request(source: ProgressSource): void {
    this.waiting.add(source);
    if (this.gatherMs === 0) return this.pump();
    if (this.gathering !== null) return;
    this.gathering = setTimeout(() => {
      this.gathering = null;
      this.pump();
    }, this.gatherMs);
    this.gathering.unref();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.size > 0) {
      const batch = this.nextBatch();
      if (batch.length > 0) this.write(batch);
    }
  }

  /** Takes the next batch off the queue, in the order asked; replies that ended are dropped. */
  private nextBatch(): { source: ProgressSource; save: ProgressSave }[] {
    const batch: { source: ProgressSource; save: ProgressSave }[] = [];
    let bytes = 0;
    for (const source of this.waiting) {
      const progress = source.progress();
      // A UTF-16 code unit is at most 3 bytes of UTF-8: a bound without encoding the text.
      const size = (progress?.content.length ?? 0) * 3;
      const full = batch.length >= this.maxBatch || bytes + size > this.maxBatchBytes;
      if (progress !== null && batch.length > 0 && full) break;
      this.waiting.delete(source);
      if (progress === null) continue;
      batch.push({ source, save: { replyId: source.replyId, ...progress } });
      bytes += size;
    }
    return batch;
  }

  private write(batch: { source: ProgressSource; save: ProgressSave }[]): void {
    this.inFlight++;
    this.repository
      .saveRepliesProgress(
        this.owner,
        batch.map((entry) => entry.save),
        this.clock.now(),
      )
      .then((saved) => {
        for (const { source } of batch) if (!saved.has(source.replyId)) source.leaseLost();
      })
      .catch((error: unknown) => {
        this.logger.warn("could not save reply progress", {
          replies: batch.length,
          firstReplyId: batch[0]?.save.replyId,
          error: String(error),
        });
      })
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }
}
