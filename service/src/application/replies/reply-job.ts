/**
 * A reply being generated: a server-side job, not tied to any connection. It streams from the model,
 * keeps the text so far for late watchers, saves progress at a bounded interval, and ends in exactly one
 * terminal status, written once. Watchers attach and detach freely; with none attached for the grace
 * period the job gives up (`incomplete`).
 */
import type { TerminalStatus, Usage } from "../../domain/chat.js";
import { DomainError, offsetBeyondReply, type DomainErrorCode } from "../../domain/errors.js";
import type { ChatModel, ModelRequest } from "./chat-model.js";
import type { ChatRepository } from "../chats/chat-repository.js";
import type { Clock, Logger, TokenCounter } from "../ports.js";
import type { ReplyDeltaEvent, ReplyFinishedEvent, ReplyStartedEvent } from "./reply-events.js";
import type { ProgressSource, ReplyProgressWriter } from "./reply-progress.js";
import { ReplySubscription } from "./reply-subscription.js";
import { codePointLength, sliceFromCodePoint } from "./text-offsets.js";

export interface ReplyJobDeps {
  model: ChatModel;
  repository: ChatRepository;
  tokenCounter: TokenCounter;
  clock: Clock;
  logger: Logger;
  orphanGraceMs: number;
  progressIntervalMs: number;
}

/** Why a job was ended from outside, and the status each leads to. */
const abortOutcomes = {
  stopped: { status: "stopped", code: null, error: null },
  orphaned: {
    status: "incomplete",
    code: null,
    error: "nobody was watching the answer, so it was not finished",
  },
  shutdown: {
    status: "interrupted",
    code: "service.shutting_down",
    error: "the service shut down while answering",
  },
} as const satisfies Record<
  string,
  { status: TerminalStatus; code: DomainErrorCode | null; error: string | null }
>;
export type AbortCause = keyof typeof abortOutcomes;

export class ReplyJob implements ProgressSource {
  private text = "";
  private length = 0;
  private finishReason: string | null = null;
  private usage: Usage | null = null;
  private readonly watchers = new Set<ReplySubscription>();
  private readonly upstream = new AbortController();
  private abortCause: AbortCause | null = null;
  private orphanTimer: NodeJS.Timeout | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private finished: ReplyFinishedEvent | null = null;
  /** Resolves with the final event once the outcome is stored and every watcher has been told. */
  readonly done: Promise<ReplyFinishedEvent>;

  constructor(
    /** Whose reply this is. */
    readonly userId: string,
    readonly started: ReplyStartedEvent,
    private readonly request: ModelRequest,
    private readonly deps: ReplyJobDeps,
    private readonly progressWriter: ReplyProgressWriter,
  ) {
    this.done = this.run();
    this.armOrphanTimer();
  }

  get replyId(): string {
    return this.started.replyId;
  }

  get chatId(): string {
    return this.started.chatId;
  }

  /**
   * Attaches a watcher that first receives `started` and the text after `fromOffset` code points, then
   * live deltas. The signal is the caller's: when it aborts, the watcher detaches.
   */
  attach(
    fromOffset: number,
    signal?: AbortSignal,
    started: ReplyStartedEvent = this.started,
  ): ReplySubscription {
    if (fromOffset > this.length) throw offsetBeyondReply(fromOffset, this.length);
    const subscription = new ReplySubscription(signal, (closed) => this.detach(closed));
    subscription.push(started);
    if (fromOffset < this.length) {
      const text = sliceFromCodePoint(this.text, fromOffset);
      subscription.push({ type: "delta", text, offset: fromOffset });
    }
    if (this.finished) {
      subscription.push(this.finished);
      return subscription;
    }
    this.watchers.add(subscription);
    this.clearOrphanTimer();
    return subscription;
  }

  /** Ends generation from outside; the first cause wins. Resolves when the outcome is stored. */
  abort(cause: AbortCause): Promise<ReplyFinishedEvent> {
    if (!this.finished && this.abortCause === null) {
      this.abortCause = cause;
      // The reason only shows in logs: the outcome comes from `abortCause`, whatever the model throws.
      this.upstream.abort(new DOMException(`reply ${cause}`, "AbortError"));
    }
    return this.done;
  }

  private detach(subscription: ReplySubscription): void {
    if (this.watchers.delete(subscription) && this.watchers.size === 0) this.armOrphanTimer();
  }

  private armOrphanTimer(): void {
    if (this.finished || this.orphanTimer) return;
    this.orphanTimer = setTimeout(() => void this.abort("orphaned"), this.deps.orphanGraceMs);
    this.orphanTimer.unref();
  }

  private async run(): Promise<ReplyFinishedEvent> {
    let outcome: Pick<ReplyFinishedEvent, "status" | "error" | "errorCode">;
    try {
      for await (const event of this.deps.model.stream(this.request, this.upstream.signal)) {
        if (event.type === "delta") this.append(event.text);
        else if (event.type === "finish") this.finishReason = event.reason;
        else this.usage = event.usage;
      }
      outcome = this.abortCause
        ? this.abortOutcome(this.abortCause)
        : this.finishReason !== null
          ? { status: "complete", error: null, errorCode: null }
          : {
              status: this.length > 0 ? "incomplete" : "failed",
              error: "the model's answer was cut off",
              errorCode: "upstream.interrupted",
            };
    } catch (error) {
      outcome = this.abortCause ? this.abortOutcome(this.abortCause) : this.failureOutcome(error);
    }
    return this.finish(outcome);
  }

  private append(text: string): void {
    if (text.length === 0) return;
    const delta: ReplyDeltaEvent = { type: "delta", text, offset: this.length };
    this.text += text;
    this.length += codePointLength(text);
    for (const watcher of this.watchers) watcher.push(delta);
    if (this.progressTimer === null) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = null;
        this.progressWriter.request(this);
      }, this.deps.progressIntervalMs);
      this.progressTimer.unref();
    }
  }

  /** The text to save as progress; null once the reply has ended (its outcome is stored instead). */
  progress(): string | null {
    return this.finished || this.abortCause ? null : this.text;
  }

  private abortOutcome(cause: AbortCause) {
    const { status, error, code } = abortOutcomes[cause];
    return { status, error, errorCode: code };
  }

  private failureOutcome(error: unknown): Pick<ReplyFinishedEvent, "status" | "error" | "errorCode"> {
    const status = this.length > 0 ? "incomplete" : "failed";
    if (error instanceof DomainError) return { status, error: error.message, errorCode: error.code };
    this.deps.logger.error("reply generation failed unexpectedly", {
      replyId: this.replyId,
      error: String(error),
    });
    return { status, error: "the answer failed unexpectedly", errorCode: "upstream.interrupted" };
  }

  private async finish(outcome: Pick<ReplyFinishedEvent, "status" | "error" | "errorCode">) {
    this.clearOrphanTimer();
    if (this.progressTimer) clearTimeout(this.progressTimer);
    const finished: ReplyFinishedEvent = {
      type: "finished",
      ...outcome,
      finishReason: this.finishReason,
      usage: this.usage,
      length: this.length,
    };
    try {
      await this.deps.repository.finishReply(this.replyId, {
        content: this.text,
        tokenCount: this.deps.tokenCounter.count(this.text),
        status: finished.status,
        finishReason: finished.finishReason,
        usage: finished.usage,
        error: finished.error,
        now: this.deps.clock.now(),
      });
    } catch (error) {
      // The watchers still get the answer; the start-up sweep will mark the row `interrupted`.
      this.deps.logger.error("could not store a finished reply", {
        replyId: this.replyId,
        error: String(error),
      });
    }
    this.finished = finished;
    for (const watcher of this.watchers) watcher.push(finished);
    this.watchers.clear();
    return finished;
  }

  private clearOrphanTimer(): void {
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    this.orphanTimer = null;
  }
}
