/**
 * The `ReplyBus` over Redis (see DESIGN.md, "Several replicas", and `reply-stream-format.ts` for what is
 * stored): the owner's writes batched per event-loop turn (`reply-writer.ts`), followers reading a
 * reply's stream and its live channel (`follow-reply.ts`), and owner messages over pub/sub.
 *
 * ```ts
 * const bus = createRedisReplyBus({ url: "redis://127.0.0.1:6379", keyPrefix: "parley:", logger });
 * await bus.ready(); // optional: both connections are up
 * ```
 */
import type { Logger } from "../../application/ports.js";
import type { DeltaCoalescing } from "../../application/replies/delta-coalescing.js";
import type { OwnerMessage, ReplyBus } from "../../application/replies/reply-bus.js";
import { hubUnavailable } from "../../domain/errors.js";
import { createChannelSubscriptions } from "./channel-subscriptions.js";
import { createRedisChatEvents } from "./redis-chat-events.js";
import { followReply } from "./follow-reply.js";
import { decodeOwnerMessage, encodeOwnerMessage } from "./owner-messages.js";
import { openRedisConnections, quitWithin } from "./redis-connections.js";
import { trackReplyBusOutage } from "./reply-bus-outage.js";
import { replyKeys } from "./reply-stream-format.js";
import { createReplyWriter } from "./reply-writer.js";
import { createStreamReader } from "./stream-reader.js";

export interface RedisReplyBusOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Put before every key and channel, e.g. `parley:`; lets several deployments share one Redis. */
  keyPrefix: string;
  logger: Logger;
  /** How long a live reply's stream outlives its last write (default 1 h; refreshed about once a minute). */
  liveTtlMs?: number;
  /** How long an ended reply's stream is kept for late followers (default 5 min). */
  retainAfterEndMs?: number;
  /** How often at most the live TTL is refreshed, per reply (default 60 s). */
  ttlRefreshMs?: number;
  /** After this much outage, the unsent text of ended replies is dropped (default 60 s). */
  dropEndedAfterMs?: number;
  /** The most text a follower holds for a slow consumer before it fails (default 4 Mi UTF-16 units). */
  maxFollowerBufferChars?: number;
  /** How live text waiting for a slow follower is merged (REPLY_COALESCE_*); null or absent: never. */
  coalescing?: DeltaCoalescing | null | undefined;
  /** How long `close` waits to send what is pending (default 1 s). */
  closeFlushTimeoutMs?: number;
  /** The longest wait between reconnection attempts (default 2 s). */
  maxReconnectDelayMs?: number;
  /** A command without an answer for this long fails (default 5 s). */
  commandTimeoutMs?: number;
  /**
   * A connection waiting for an answer that receives nothing for this long is treated as dropped (Redis
   * hangs): follows on it fail with `hub.unavailable` and it reconnects (default 5 s).
   */
  socketTimeoutMs?: number;
  /** How often the subscriber connection is pinged so a hang is noticed while it only listens (default 2 s). */
  pingIntervalMs?: number;
  /** Told what the bus sees, for the metrics; nothing when absent. */
  observer?: ReplyBusObserver;
}

/** What the bus reports when metrics are on. */
export interface ReplyBusObserver {
  /** A follower received a live entry `ms` after its owner sent it (owner's wall clock to ours). */
  liveLag(ms: number): void;
  /** The owner's connection to Redis went away (one call per outage, however long). */
  outage(): void;
}

export interface RedisReplyBus extends ReplyBus {
  readonly shared: true;
  /** Resolves once both connections are up (rejects if the bus is closed first). */
  ready(): Promise<void>;
}

export function createRedisReplyBus(options: RedisReplyBusOptions): RedisReplyBus {
  const keys = replyKeys(options.keyPrefix);
  const connections = openRedisConnections(options);
  const { commands, subscriber } = connections;
  const now = () => Date.now();
  const outage = trackReplyBusOutage({
    redis: commands,
    logger: options.logger,
    dropEndedAfterMs: options.dropEndedAfterMs ?? 60_000,
    now,
    pendingReplies: () => writer.pendingReplies(),
    dropEnded: () => writer.dropEnded(),
    onBack: () => writer.resume(),
    onOutage: options.observer && (() => options.observer?.outage()),
  });
  const writer = createReplyWriter({
    redis: commands,
    keys,
    outage,
    logger: options.logger,
    liveTtlMs: options.liveTtlMs ?? 60 * 60_000,
    retainAfterEndMs: options.retainAfterEndMs ?? 5 * 60_000,
    ttlRefreshMs: options.ttlRefreshMs ?? 60_000,
    now,
  });
  const subscriptions = createChannelSubscriptions(subscriber);
  const followDeps = {
    keys,
    reader: createStreamReader(commands),
    subscriptions,
    maxBufferedChars: options.maxFollowerBufferChars ?? 4 * 1024 * 1024,
    coalescing: options.coalescing,
    liveLag: options.observer && ((ms: number) => options.observer?.liveLag(ms)),
  };

  return {
    shared: true,
    ready: connections.ready,
    appended: (replyId, offset, text) => writer.appended(replyId, offset, text),
    ended: (replyId, finished) => writer.ended(replyId, finished),
    chatEvents: createRedisChatEvents({ commands, subscriber, subscriptions, ...options }),
    follow: (replyId, fromOffset, signal) => followReply(followDeps, replyId, fromOffset, signal),
    async tell(owner: string, message: OwnerMessage) {
      try {
        return (await commands.publish(keys.owner(owner), encodeOwnerMessage(message))) > 0;
      } catch (cause) {
        throw Object.assign(hubUnavailable("the live replies hub is unreachable"), { cause });
      }
    },
    listen: (owner, handler) =>
      subscriptions.listen(keys.owner(owner), (raw) => {
        const message = decodeOwnerMessage(raw);
        if (message) handler(message);
      }),
    async close() {
      await writer.drain(options.closeFlushTimeoutMs ?? 1_000);
      outage.stop();
      await Promise.all([quitWithin(commands, 500), quitWithin(subscriber, 500)]);
    },
  };
}
