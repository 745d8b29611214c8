/**
 * The port between replicas for live replies (see DESIGN.md, "Several replicas"). The owner of a reply
 * records its text and its end on the bus; any replica follows a reply owned elsewhere from an offset, and
 * tells an owner to stop a reply or that someone there is watching it. Without `REDIS_URL` the bus is
 * `inProcessReplyBus`: one process, nothing to share. The Redis bus lives in `adapters/redis`.
 *
 * The owner's own watchers never go through the bus (they read the job in memory), and nothing on the
 * owner's hot path waits for it: `appended` and `ended` return at once, and a bus that is unreachable
 * costs the owner nothing but a log line (what it missed is sent once the bus is back).
 */
import type { ChatEvents } from "../chat-list/chat-events.js";
import type { ReplyDeltaEvent, ReplyFinishedEvent } from "./reply-events.js";

/** What one process tells the owner of a live reply. `watcher` names the process that watches. */
export type OwnerMessage =
  | { type: "stop"; replyId: string }
  | { type: "watching"; replyId: string; watcher: string }
  | { type: "unwatched"; replyId: string; watcher: string };

/** What following a reply yields: its text from the offset asked for, then its end. */
export type FollowedEvent = ReplyDeltaEvent | ReplyFinishedEvent;

export interface ReplyBus {
  /** False for the in-process bus: no other replica can follow or stop this process's replies. */
  readonly shared: boolean;

  /**
   * The owner appended `text` at code-point `offset` of a live reply. Batched (one write per event-loop
   * turn for everything appended in it); never throws, never waits.
   */
  appended(replyId: string, offset: number, text: string): void;

  /**
   * The reply ended (its owner finished it, or a sweeper ended it for a gone owner): the last thing
   * recorded for it, after all its text. Never throws, never waits.
   */
  ended(replyId: string, finished: ReplyFinishedEvent): void;

  /**
   * Follows a reply owned elsewhere from code-point `fromOffset`: exactly the text after it (no gap, no
   * duplicate), live, then its end. It waits for the text to reach `fromOffset` and fails with
   * `offsetBeyondReply` when the reply ends short of it. Fails with a `hub.unavailable` domain error when
   * the bus is unreachable, or when the text from `fromOffset` is no longer on the bus (the caller may
   * resume later, from what the database has by then). Ends when `signal` aborts.
   */
  follow(replyId: string, fromOffset: number, signal?: AbortSignal): AsyncIterable<FollowedEvent>;

  /**
   * Changes to users' chat lists, shared by every replica (see WatchChats). Absent on the in-process
   * bus: each process then keeps its own (`createInProcessChatEvents`).
   */
  readonly chatEvents?: ChatEvents;

  /** Tells the process `owner` something; resolves whether any process listens for it. */
  tell(owner: string, message: OwnerMessage): Promise<boolean>;

  /** Hands every message told to `owner` (this process) to `handler`, until `close`. */
  listen(owner: string, handler: (message: OwnerMessage) => void): Promise<void>;

  /** Sends what is still batched (briefly), then lets go of the bus. */
  close(): Promise<void>;
}

/** One process alone: nothing is shared, so following a reply elsewhere cannot happen. */
export const inProcessReplyBus: ReplyBus = {
  shared: false,
  appended: () => undefined,
  ended: () => undefined,
  follow: () => {
    throw new Error("the in-process reply bus follows nothing: check `shared` first");
  },
  tell: () => Promise.resolve(false),
  listen: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
