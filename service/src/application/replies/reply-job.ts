/**
 * A reply being generated: a server-side job, not tied to any connection. It streams from the model,
 * keeps the text so far for late watchers, saves progress at a bounded interval, and ends in exactly one
 * terminal status, written once. Watchers attach and detach freely; with none attached for the grace
 * period the job gives up (`incomplete`).
 */
import type { TerminalStatus, Usage } from "../../domain/chat.js";
import { DomainError, offsetBeyondReply, type DomainErrorCode } from "../../domain/errors.js";
import type { ChatModel, ModelRequest } from "./chat-model.js";
import type { ModelCall } from "./model-call.js";
import type { ReplyBus } from "./reply-bus.js";
import type { ChatRepository, ProgressSave, ReplyOutcome } from "../chats/chat-repository.js";
import type { Clock, Logger, TokenCounter } from "../ports.js";
import type { UsageMeter } from "../usage/usage-meter.js";
import type { DeltaCoalescing } from "./delta-coalescing.js";
import type { ReplyDeltaEvent, ReplyFinishedEvent, ReplyStartedEvent } from "./reply-events.js";
import type { ProgressSource, ReplyProgressWriter } from "./reply-progress.js";
import { ReplySubscription } from "./reply-subscription.js";
import { withFields } from "../log-fields.js";
import { codePointLength, sliceFromCodePoint } from "./text-offsets.js";

export interface ReplyJobDeps {
  model: ChatModel;
  repository: ChatRepository;
  tokenCounter: TokenCounter;
  /** The counter of a model's encoding (the chat's model: the reply is stored in its encoding). */
  tokenCounterFor?: ((model: string) => TokenCounter) | undefined;
  clock: Clock;
  logger: Logger;
  orphanGraceMs: number;
  progressIntervalMs: number;
  /** This process's id as the owner of the replies it generates (new per process start). */
  owner: string;
  /** Aborted when the process gives up on storing outcomes (the end of shutdown). */
  givingUp: AbortSignal;
  /** Where other replicas follow the reply: its text and its end are recorded there too. */
  bus: ReplyBus;
  /** What each reply cost, stored with its final write (the provider's figure or our estimate). */
  meter: UsageMeter;
  /** How a watcher that falls behind gets its queued deltas merged; null or absent: one event each. */
  coalescing?: DeltaCoalescing | null | undefined;
}

/**
 * Waits between attempts of a terminal write that failed: doubling from the first, up to the most; after
 * `attempts` the job lets go (about a minute: longer than a database blip, and a write that fails for
 * good must not hold the chat forever). Its lease then runs out and a sweeper ends the row.
 */
const finishRetry = { firstMs: 100, maxMs: 5_000, attempts: 16 };

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
  /** Its lease ran out (the database was unreachable for too long) and a sweeper ended the reply. */
  leaseLost: {
    status: "interrupted",
    code: "upstream.interrupted",
    error: "the answer was interrupted; try again",
  },
} as const satisfies Record<
  string,
  { status: TerminalStatus; code: DomainErrorCode | null; error: string | null }
>;
export type AbortCause = keyof typeof abortOutcomes;

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export class ReplyJob implements ProgressSource {
  private text = "";
  private length = 0;
  private finishReason: string | null = null;
  private usage: Usage | null = null;
  /** Whether the upstream took the request: from then on its prompt is billed, whatever follows. */
  private accepted = false;
  /** The model that took the request when it was not the requested one (a fallback); null otherwise. */
  private answeredBy: string | null = null;
  private readonly watchers = new Set<ReplySubscription>();
  /** Other processes where someone watches this reply, each until its next beat is due (see hub). */
  private readonly watchersElsewhere = new Map<string, NodeJS.Timeout>();
  /** Ends the model request: this job's own, or the call its turn started before the job (see ModelCall). */
  private readonly upstream: Pick<AbortController, "signal" | "abort">;
  private abortCause: AbortCause | null = null;
  private orphanTimer: NodeJS.Timeout | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private finished: ReplyFinishedEvent | null = null;
  /**
   * Set once the outcome is being written: its write carries the whole text and is fenced itself, so no
   * progress save may start after it, and one that was in flight and lands after it (matching nothing,
   * the row no longer `streaming`) says nothing about the lease.
   */
  private ending = false;
  /** The job's lines name the request that started it (see log-fields.ts). */
  private readonly log: Logger;
  /** False once the job let go of its row (its outcome could not be stored): no more lease renewals. */
  holdsLease = true;
  /** Resolves with the final event once the outcome is stored and every watcher has been told. */
  readonly done: Promise<ReplyFinishedEvent>;

  constructor(
    /** Whose reply this is. */
    readonly userId: string,
    readonly started: ReplyStartedEvent,
    private readonly request: ModelRequest,
    private readonly deps: ReplyJobDeps,
    private readonly progressWriter: ReplyProgressWriter,
    /** The request for `request`, already sent (see ModelCall); absent: the job sends it. */
    private readonly call?: ModelCall,
  ) {
    this.log = withFields(deps.logger, request.logFields);
    this.upstream = call ?? new AbortController();
    this.done = this.run();
    this.armOrphanTimer();
    // The prompt's tokens go with the first batch of saves (a reply that ends before it stores its
    // outcome instead): the sweeper's estimate, should this process die mid-reply.
    if (started.context) progressWriter.request(this);
  }

  get replyId(): string {
    return this.started.replyId;
  }

  get chatId(): string {
    return this.started.chatId;
  }

  /** The text generated so far (all of it once `done` has resolved). */
  get answer(): string {
    return this.text;
  }

  /** How many callers of this process watch the reply now. */
  get watcherCount(): number {
    return this.watchers.size;
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
    const subscription = new ReplySubscription(
      signal,
      (closed) => this.detach(closed),
      this.deps.coalescing ?? null,
    );
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

  /**
   * Someone on process `watcher` watches this reply, for `forMs` unless told again: the reply is not
   * orphaned while anyone anywhere watches it. A process that dies stops telling, and its watch lapses.
   */
  watchedElsewhere(watcher: string, forMs: number): void {
    if (this.finished) return;
    clearTimeout(this.watchersElsewhere.get(watcher));
    const lapse = setTimeout(() => this.unwatchedElsewhere(watcher), forMs);
    lapse.unref();
    this.watchersElsewhere.set(watcher, lapse);
    this.clearOrphanTimer();
  }

  /** Nobody on process `watcher` watches this reply any more. */
  unwatchedElsewhere(watcher: string): void {
    clearTimeout(this.watchersElsewhere.get(watcher));
    if (this.watchersElsewhere.delete(watcher)) this.armOrphanTimer();
  }

  private detach(subscription: ReplySubscription): void {
    if (this.watchers.delete(subscription)) this.armOrphanTimer();
  }

  /** Starts the orphan grace when nobody watches, here or elsewhere. */
  private armOrphanTimer(): void {
    if (this.finished || this.orphanTimer || this.watchers.size > 0 || this.watchersElsewhere.size > 0)
      return;
    this.orphanTimer = setTimeout(() => void this.abort("orphaned"), this.deps.orphanGraceMs);
    this.orphanTimer.unref();
  }

  private async run(): Promise<ReplyFinishedEvent> {
    let outcome: Pick<ReplyFinishedEvent, "status" | "error" | "errorCode">;
    try {
      const events = this.call?.events() ?? this.deps.model.stream(this.request, this.upstream.signal);
      for await (const event of events) {
        if (event.type === "delta") this.append(event.text);
        else if (event.type === "finish") this.finishReason = event.reason;
        else if (event.type === "usage") this.usage = event.usage;
        else {
          this.accepted = true;
          this.answeredBy = event.model ?? null;
        }
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
    try {
      return await this.finish(outcome);
    } catch (error) {
      return this.unfinishable(error);
    }
  }

  /**
   * Ending a reply is not expected to throw (the store's failures are retried inside it); if it does, a
   * bug is no reason to leave watchers waiting or to end the process: they hear a failure, the row's
   * lease is let go, and a sweeper ends it with its saved text.
   */
  private unfinishable(error: unknown): ReplyFinishedEvent {
    this.holdsLease = false;
    this.log.error("a reply could not be ended; its lease will run out and a sweeper will end it", {
      replyId: this.replyId,
      error: String(error),
    });
    const failed = this.finishedWith({
      status: this.length > 0 ? "incomplete" : "failed",
      error: "the answer could not be stored",
      errorCode: "storage.unavailable",
    });
    // Watchers may have heard an end already (a failed first write tells them before retrying).
    this.tellWatchers(failed);
    return this.finished ?? failed;
  }

  private append(text: string): void {
    if (text.length === 0) return;
    const delta: ReplyDeltaEvent = { type: "delta", text, offset: this.length };
    this.text += text;
    this.length += codePointLength(text);
    for (const watcher of this.watchers) watcher.push(delta);
    this.deps.bus.appended(this.replyId, delta.offset, text);
    if (this.progressTimer === null) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = null;
        this.progressWriter.request(this);
      }, this.deps.progressIntervalMs);
      this.progressTimer.unref();
    }
  }

  /**
   * What to save as progress: the text so far, and the prompt's tokens (a sweeper's estimate needs them
   * should this process die); null once the reply has ended (its outcome is stored instead).
   */
  progress(): Omit<ProgressSave, "replyId"> | null {
    if (this.ending || this.abortCause) return null;
    return { content: this.text, promptTokens: this.started.context?.tokensUsed ?? null };
  }

  /** A fenced write matched nothing: the reply is no longer ours, so generating it is wasted. */
  leaseLost(): void {
    if (this.ending) return; // the outcome's own fenced write tells whether the lease held
    this.log.warn("a live reply's lease was lost; it was ended elsewhere", { replyId: this.replyId });
    void this.abort("leaseLost");
  }

  private abortOutcome(cause: AbortCause) {
    const { status, error, code } = abortOutcomes[cause];
    return { status, error, errorCode: code };
  }

  private failureOutcome(error: unknown): Pick<ReplyFinishedEvent, "status" | "error" | "errorCode"> {
    const status = this.length > 0 ? "incomplete" : "failed";
    if (error instanceof DomainError) return { status, error: error.message, errorCode: error.code };
    this.log.error("reply generation failed unexpectedly", {
      replyId: this.replyId,
      error: String(error),
    });
    return { status, error: "the answer failed unexpectedly", errorCode: "upstream.interrupted" };
  }

  /** The end event of `outcome`, with what the reply has come to. */
  private finishedWith(
    outcome: Pick<ReplyFinishedEvent, "status" | "error" | "errorCode">,
  ): ReplyFinishedEvent {
    return {
      type: "finished",
      ...outcome,
      finishReason: this.finishReason,
      usage: this.usage,
      length: this.length,
    };
  }

  private async finish(outcome: Pick<ReplyFinishedEvent, "status" | "error" | "errorCode">) {
    this.ending = true;
    this.clearOrphanTimer();
    if (this.progressTimer) clearTimeout(this.progressTimer);
    const finished = this.finishedWith(outcome);
    const endedElsewhere = !(await this.store(finished));
    this.tellWatchers(finished, endedElsewhere);
    return finished;
  }

  /**
   * Tells every watcher, here and (through the bus) elsewhere, once. When a sweeper ended the row first,
   * the sweeper told the bus its outcome, and that one stands there.
   */
  private tellWatchers(finished: ReplyFinishedEvent, endedElsewhere = false): void {
    if (this.finished) return;
    this.finished = finished;
    for (const watcher of this.watchers) watcher.push(finished);
    this.watchers.clear();
    for (const lapse of this.watchersElsewhere.values()) clearTimeout(lapse);
    this.watchersElsewhere.clear();
    if (!endedElsewhere) this.deps.bus.ended(this.replyId, finished);
  }

  /**
   * Writes the outcome, retrying with backoff while the store is down: a reply is never left
   * `streaming` by a blip. Watchers hear the outcome once the first attempt failed (they need not wait
   * for the database), and the job stays live — holding the chat — until the write lands. A write that
   * matches nothing means a sweeper ended the reply first (the lease ran out): that outcome stands. When
   * the process gives up (shutdown), the lease runs out and a sweeper ends the row. Resolves false only
   * when a sweeper had ended it.
   */
  private async store(finished: ReplyFinishedEvent): Promise<boolean> {
    const counter = this.deps.tokenCounterFor?.(this.request.model) ?? this.deps.tokenCounter;
    const tokenCount = counter.count(this.text);
    const outcome: ReplyOutcome = {
      owner: this.deps.owner,
      userId: this.userId,
      content: this.text,
      tokenCount,
      status: finished.status,
      finishReason: finished.finishReason,
      usage: this.meteredUsage(finished, tokenCount),
      error: finished.error,
      now: this.deps.clock.now(),
    };
    let waitMs = finishRetry.firstMs;
    for (let attempt = 1; ; attempt++, waitMs = Math.min(waitMs * 2, finishRetry.maxMs)) {
      try {
        const landed = await this.deps.repository.finishReply(this.replyId, outcome);
        if (!landed) {
          this.log.warn("a reply had been ended elsewhere; its outcome was not stored", {
            replyId: this.replyId,
            status: finished.status,
          });
        }
        return landed;
      } catch (error) {
        this.tellWatchers(finished);
        if (this.deps.givingUp.aborted || attempt >= finishRetry.attempts) {
          this.holdsLease = false;
          this.log.error(
            "gave up storing a finished reply; its lease will run out and a sweeper will end it",
            {
              replyId: this.replyId,
              error: String(error),
            },
          );
          return true;
        }
        this.log.warn("could not store a finished reply; retrying", {
          replyId: this.replyId,
          retryInMs: waitMs,
          error: String(error),
        });
        await sleep(waitMs, this.deps.givingUp);
      }
    }
  }

  /** The provider's usage when it came, else our count on what was sent and produced (an estimate). */
  private meteredUsage(finished: ReplyFinishedEvent, textTokens: number) {
    const model = this.answeredBy ?? this.request.model;
    return this.deps.meter.measure({
      model,
      reported: finished.usage,
      // The fitted prompt's tokens (ContextFitter.promptTokens), as sendMessage reported them.
      promptTokens: this.started.context?.tokensUsed ?? 0,
      text: this.text,
      // Counted in the chat's model's encoding: a fallback with another encoding counts its own.
      ...(model === this.request.model && { textTokens }),
      accepted: this.accepted,
    });
  }

  private clearOrphanTimer(): void {
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    this.orphanTimer = null;
  }
}
