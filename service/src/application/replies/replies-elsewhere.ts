/**
 * Replies that another process generates, seen from this one through the bus: follow one (what the
 * database saved, then the bus from there), stop one (its owner is told), and keep its owner told that
 * someone here watches it, so the owner does not give it up as orphaned.
 */
import type { Reply } from "../../domain/chat.js";
import type { Logger } from "../ports.js";
import type { OwnerMessage, ReplyBus } from "./reply-bus.js";
import type { ReplyEvent, ReplyFinishedEvent, ReplyStartedEvent } from "./reply-events.js";
import { codePointLength, sliceFromCodePoint } from "./text-offsets.js";

export interface RepliesElsewhereDeps {
  bus: ReplyBus;
  /** This process, as the watcher owners are told about. */
  self: string;
  logger: Logger;
  /** How long an owner counts a watch here without hearing again; beats go three times as often. */
  watchLapseMs: number;
}

/** A reply that is streaming under another owner, as the database last saved it. */
export type LiveReplyElsewhere = Reply & { owner: string };

export class RepliesElsewhere {
  /** Replies followed here, by id: their owner and how many follow each. */
  private readonly watched = new Map<string, { owner: string; followers: number }>();
  private beat: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RepliesElsewhereDeps) {}

  /**
   * Follows `reply` from `fromOffset`: `started`, the saved text after the offset, then the rest from
   * the bus, seamlessly (the bus starts where the saved text ends), until its end.
   */
  async *follow(
    reply: LiveReplyElsewhere,
    fromOffset: number,
    signal?: AbortSignal,
  ): AsyncGenerator<ReplyEvent, void, undefined> {
    const saved = codePointLength(reply.content);
    this.watch(reply);
    try {
      yield startedOf(reply);
      if (fromOffset < saved)
        yield { type: "delta", text: sliceFromCodePoint(reply.content, fromOffset), offset: fromOffset };
      for await (const event of this.deps.bus.follow(reply.id, Math.max(fromOffset, saved), signal)) {
        yield event;
        if (event.type === "finished") return;
      }
      // Like a watcher here: a watch its caller left ends with the caller's reason, never cleanly.
      if (signal?.aborted) throw signal.reason;
    } finally {
      this.unwatch(reply.id);
    }
  }

  /**
   * Asks the owner to stop `reply` and waits (up to `waitMs`) for its end: the owner stops it, or —
   * when the owner is gone — a sweeper ends it once its lease runs out. Resolves with the end, or null
   * when it did not come in time.
   */
  async stop(reply: LiveReplyElsewhere, waitMs: number): Promise<ReplyFinishedEvent | null> {
    const signal = AbortSignal.timeout(waitMs);
    const heard = await this.deps.bus.tell(reply.owner, { type: "stop", replyId: reply.id });
    if (!heard)
      this.deps.logger.info("stopping a reply whose owner is gone: its lease will end it", {
        replyId: reply.id,
      });
    try {
      for await (const event of this.deps.bus.follow(reply.id, codePointLength(reply.content), signal)) {
        if (event.type === "finished") return event;
      }
    } catch (error) {
      if (signal.aborted) return null;
      throw error;
    }
    return null;
  }

  /** Stops beating (shutdown). */
  close(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }

  private watch(reply: LiveReplyElsewhere): void {
    const entry = this.watched.get(reply.id);
    if (entry) {
      entry.followers++;
      return;
    }
    this.watched.set(reply.id, { owner: reply.owner, followers: 1 });
    this.tell(reply.owner, { type: "watching", replyId: reply.id, watcher: this.deps.self });
    if (!this.beat) {
      this.beat = setInterval(() => this.beatAll(), this.deps.watchLapseMs / 3);
      this.beat.unref();
    }
  }

  private unwatch(replyId: string): void {
    const entry = this.watched.get(replyId);
    if (!entry || --entry.followers > 0) return;
    this.watched.delete(replyId);
    this.tell(entry.owner, { type: "unwatched", replyId, watcher: this.deps.self });
    if (this.watched.size === 0) this.close();
  }

  private beatAll(): void {
    for (const [replyId, { owner }] of this.watched)
      this.tell(owner, { type: "watching", replyId, watcher: this.deps.self });
  }

  /** Fire and forget: a lost beat is made up by the next one; a lost "unwatched" by the lapse. */
  private tell(owner: string, message: OwnerMessage): void {
    this.deps.bus.tell(owner, message).catch(() => undefined);
  }
}

/**
 * The `started` event of a stored reply, for a watcher (the sender's context stats are not kept). A
 * reply's parent is the user message it answers, so the watcher learns which one (for a regenerated
 * reply: which of the chat's messages got another answer).
 */
export function startedOf(reply: Reply): ReplyStartedEvent {
  return {
    type: "started",
    chatId: reply.chatId,
    userMessageId: reply.parentId ?? "",
    replyId: reply.id,
    model: "",
    context: null,
  };
}
