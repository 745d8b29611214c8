/**
 * Saving live replies' progress without letting it crowd out everything else. Each reply asks for a
 * save at most once per progress interval; the saves then run at most `maxInFlight` at a time, in the
 * order asked. A reply waiting in the queue is there once and saves its latest text when its turn
 * comes, so under load saves coalesce and the interval stretches instead of piling statements onto the
 * store. Measured before this existed (docs/benchmarks.md): 1 000 open replies each saving every second
 * overflowed the connection pool's queue, and new messages failed with UNAVAILABLE.
 */
import type { ChatRepository } from "../chats/chat-repository.js";
import type { Clock, Logger } from "../ports.js";

/** A reply whose text so far can be saved; null once it has ended (nothing left to save). */
export interface ProgressSource {
  readonly replyId: string;
  progress(): string | null;
  /** Told when a save matched nothing: the reply is no longer this process's (its lease ran out). */
  leaseLost(): void;
}

export class ReplyProgressWriter {
  private readonly waiting = new Set<ProgressSource>();
  private inFlight = 0;

  constructor(
    private readonly repository: ChatRepository,
    /** Whose saves these are: each is fenced by owner. */
    private readonly owner: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly maxInFlight = 2,
  ) {}

  /** Asks for `source` to be saved as soon as a slot is free (once, however often it asks). */
  request(source: ProgressSource): void {
    this.waiting.add(source);
    this.pump();
  }

  private pump(): void {
    for (const source of this.waiting) {
      if (this.inFlight >= this.maxInFlight) return;
      this.waiting.delete(source);
      const content = source.progress();
      if (content === null) continue;
      this.inFlight++;
      this.repository
        .saveReplyProgress(source.replyId, this.owner, content, this.clock.now())
        .then((saved) => {
          if (!saved) source.leaseLost();
        })
        .catch((error: unknown) => {
          this.logger.warn("could not save reply progress", {
            replyId: source.replyId,
            error: String(error),
          });
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
