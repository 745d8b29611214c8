/**
 * The registry of live replies in this process: the only state shared between calls. It enforces one
 * live reply per chat (the database enforces it across replicas), finds a reply for watchers and Stop,
 * and drains everything on shutdown. Behind this class is where a Redis/NATS hub would go for replicas.
 */
import { shuttingDown } from "../../domain/errors.js";
import type { ModelRequest } from "./chat-model.js";
import type { ReplyFinishedEvent, ReplyStartedEvent } from "./reply-events.js";
import type { Lease } from "../ports.js";
import { ReplyJob, type ReplyJobDeps } from "./reply-job.js";
import { ReplyProgressWriter } from "./reply-progress.js";

export interface ReplyHubDeps extends Omit<ReplyJobDeps, "givingUp"> {
  /** How long a reply's lease lasts from its start or its last renewal. */
  leaseMs: number;
}

/** At the end of shutdown, how long interrupted replies get to store their outcome before giving up. */
const storeGraceMs = 2_000;

export class ReplyHub {
  private readonly byReply = new Map<string, ReplyJob>();
  private readonly byChat = new Map<string, ReplyJob>();
  private accepting = true;
  private readonly progress: ReplyProgressWriter;
  private readonly givingUp = new AbortController();
  private readonly jobDeps: ReplyJobDeps;

  constructor(private readonly deps: ReplyHubDeps) {
    this.progress = new ReplyProgressWriter(deps.repository, deps.owner, deps.clock, deps.logger);
    this.jobDeps = { ...deps, givingUp: this.givingUp.signal };
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

  /** The replies whose leases this process renews: live, or still storing their outcome. */
  heldReplyIds(): string[] {
    return [...this.byReply.values()].filter((job) => job.holdsLease).map((job) => job.replyId);
  }

  /** Starts generating `userId`'s reply. */
  start(userId: string, started: ReplyStartedEvent, request: ModelRequest): ReplyJob {
    if (!this.accepting) throw shuttingDown();
    const job = new ReplyJob(userId, started, request, this.jobDeps, this.progress);
    this.byReply.set(job.replyId, job);
    this.byChat.set(job.chatId, job);
    void job.done.then(() => {
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
  }
}
