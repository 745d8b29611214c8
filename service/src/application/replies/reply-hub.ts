/**
 * The registry of live replies in this process: the only state shared between calls. It enforces one
 * live reply per chat (the database enforces it across replicas), finds a reply for watchers and Stop,
 * and drains everything on shutdown. Through the bus (Redis, with several replicas) it records its
 * replies for other processes, obeys what they tell it (stop, someone watches), and reaches theirs.
 */
import { ownerGoneError } from "../../domain/chat.js";
import { shuttingDown } from "../../domain/errors.js";
import type { ModelRequest } from "./chat-model.js";
import { ModelCall } from "./model-call.js";
import type { ReplyFinishedEvent, ReplyStartedEvent } from "./reply-events.js";
import type { EndedLease, Lease } from "../ports.js";
import type { OwnerMessage } from "./reply-bus.js";
import { RepliesElsewhere } from "./replies-elsewhere.js";
import { codePointLength } from "./text-offsets.js";
import { ReplyJob, type ReplyJobDeps } from "./reply-job.js";
import { ReplyProgressWriter } from "./reply-progress.js";
import type { ReplyObserver } from "./reply-observer.js";

export interface ReplyHubDeps extends Omit<ReplyJobDeps, "givingUp"> {
  /** How long a reply's lease lasts from its start or its last renewal. */
  leaseMs: number;
  /** How long an owner counts a watch on another process without hearing of it again. */
  watchLapseMs?: number;
  /**
   * How long StopReply waits for a reply generated elsewhere to end: its owner stops it at once, but a
   * gone owner's reply ends only when its lease runs out and a sweep finds it.
   */
  stopElsewhereWaitMs?: number;
  /** Told when replies start and end (metrics); absent: nobody is. */
  observer?: ReplyObserver | undefined;
}

/** A watch elsewhere lapses after this long unheard of (its process beats three times as often). */
const defaultWatchLapseMs = 6_000;

/** At the end of shutdown, how long interrupted replies get to store their outcome before giving up. */
const storeGraceMs = 2_000;

export class ReplyHub {
  private readonly byReply = new Map<string, ReplyJob>();
  private readonly byChat = new Map<string, ReplyJob>();
  private accepting = true;
  private readonly progress: ReplyProgressWriter;
  private readonly givingUp = new AbortController();
  private readonly jobDeps: ReplyJobDeps;

  /** Replies other processes generate. */
  readonly elsewhere: RepliesElsewhere;
  private readonly watchLapseMs: number;
  readonly stopElsewhereWaitMs: number;

  constructor(private readonly deps: ReplyHubDeps) {
    this.progress = new ReplyProgressWriter(deps.repository, deps.owner, deps.clock, deps.logger);
    this.jobDeps = { ...deps, givingUp: this.givingUp.signal };
    this.watchLapseMs = deps.watchLapseMs ?? defaultWatchLapseMs;
    this.stopElsewhereWaitMs = deps.stopElsewhereWaitMs ?? deps.leaseMs * 2;
    this.elsewhere = new RepliesElsewhere({
      bus: deps.bus,
      self: deps.owner,
      logger: deps.logger,
      watchLapseMs: this.watchLapseMs,
    });
  }

  /** Whether other processes share replies with this one (false: this process is alone). */
  get shared(): boolean {
    return this.deps.bus.shared;
  }

  /** Starts hearing what other processes tell this one about its replies. */
  listen(): Promise<void> {
    return this.deps.bus.listen(this.deps.owner, (message) => this.hear(message));
  }

  private hear(message: OwnerMessage): void {
    const job = this.byReply.get(message.replyId);
    if (!job) return;
    if (message.type === "stop") void job.abort("stopped");
    else if (message.type === "watching") job.watchedElsewhere(message.watcher, this.watchLapseMs);
    else job.unwatchedElsewhere(message.watcher);
  }

  /** A sweeper ended these replies (their owner is gone): their watchers everywhere hear the end. */
  sweptReplies(rows: readonly EndedLease[]): void {
    for (const { id, content } of rows) this.deps.bus.ended(id, sweptOutcome(content));
  }

  /** The lease a reply started now gets: this process owns it until renewed or run out. */
  leaseFrom(now: Date): Lease {
    return { owner: this.deps.owner, expiresAt: new Date(now.getTime() + this.deps.leaseMs) };
  }

  /** Whose replies these are (this process start). */
  get owner(): string {
    return this.deps.owner;
  }

  /** Whether new replies may start (false once shutdown has begun). */
  get isAccepting(): boolean {
    return this.accepting;
  }

  get size(): number {
    return this.byReply.size;
  }

  /** How many callers of this process watch its live replies. */
  watcherCount(): number {
    let count = 0;
    for (const job of this.byReply.values()) count += job.watcherCount;
    return count;
  }

  /** The replies whose leases this process renews: live, or still storing their outcome. */
  heldReplyIds(): string[] {
    return [...this.byReply.values()].filter((job) => job.holdsLease).map((job) => job.replyId);
  }

  /**
   * Sends a model request before its reply's job starts (see ModelCall): hand it to `start`, or abort it.
   * It is not a live reply yet: nothing here counts or tracks it.
   */
  callModel(request: Promise<ModelRequest>): ModelCall {
    return new ModelCall(this.deps.model, request);
  }

  /**
   * Starts generating `userId`'s reply: from `call` when its request was sent already (it must be for
   * `request`), else the job sends it. The job owns the call from here (stop, orphan, shutdown abort it).
   */
  start(userId: string, started: ReplyStartedEvent, request: ModelRequest, call?: ModelCall): ReplyJob {
    if (!this.accepting) throw shuttingDown();
    const job = new ReplyJob(userId, started, request, this.jobDeps, this.progress, call);
    this.byReply.set(job.replyId, job);
    this.byChat.set(job.chatId, job);
    this.deps.observer?.replyStarted(request);
    void job.done.then((finished) => {
      this.deps.observer?.replyEnded(request, finished);
      this.byReply.delete(job.replyId);
      if (this.byChat.get(job.chatId) === job) this.byChat.delete(job.chatId);
    });
    return job;
  }

  reply(replyId: string): ReplyJob | undefined {
    return this.byReply.get(replyId);
  }

  /** The chat's live reply, when the chat is `userId`'s: another user's chat looks idle, as if missing. */
  liveReplyOfChat(userId: string, chatId: string): ReplyJob | undefined {
    const job = this.byChat.get(chatId);
    return job?.userId === userId ? job : undefined;
  }

  /**
   * Stops accepting replies, lets those in flight finish for up to `graceMs`, then ends the rest as
   * `interrupted` (their watchers get an error, never a clean end). Resolves when all are stored, or —
   * when the store is down — a little later, leaving the rest to their leases and the sweepers.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    const all = (): Promise<ReplyFinishedEvent[]> =>
      Promise.all([...this.byReply.values()].map((job) => job.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([all(), graceOver]);
    clearTimeout(timer);
    const ended = Promise.all([...this.byReply.values()].map((job) => job.abort("shutdown")));
    const storeGraceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, storeGraceMs)));
    await Promise.race([ended, storeGraceOver]);
    clearTimeout(timer);
    this.givingUp.abort();
    await ended;
    this.elsewhere.close();
  }
}

/** What watchers of a reply a sweeper ended hear (the row says the same). */
function sweptOutcome(savedText: string): ReplyFinishedEvent {
  return {
    type: "finished",
    status: "interrupted",
    finishReason: null,
    usage: null,
    error: ownerGoneError,
    errorCode: "upstream.interrupted",
    length: codePointLength(savedText),
  };
}
