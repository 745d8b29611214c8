/**
 * The two connections a process keeps to Redis: one for commands (the owner's writes, followers' reads,
 * `tell`) and one for subscriptions (live channels and the owner channel).
 *
 * Neither queues commands while Redis is away (`enableOfflineQueue: false`) and a command caught by a
 * dropped connection fails at once (`maxRetriesPerRequest: 0`): the bus keeps its own, bounded, state of
 * what is still to write, and a follower fails fast instead of hanging. Both reconnect forever with an
 * exponential backoff capped at `maxReconnectDelayMs`.
 *
 * A Redis that hangs without hanging up (frozen, or a network black hole) is caught by the socket timeout:
 * a connection waiting for an answer that hears nothing for `socketTimeoutMs` is destroyed (what waited
 * fails) and reconnects, like a dropped one; a reconnection whose handshake hangs is retried the same way.
 * The subscriber, which mostly waits for nothing, is pinged every `pingIntervalMs` so that it always waits
 * for something (`keep-pinging.ts`): a hang breaks its follows within `pingIntervalMs + socketTimeoutMs`.
 * The commands connection notices within `socketTimeoutMs` of its next command (a flush, a read).
 */
import { Redis, type RedisOptions } from "ioredis";
import { keepPinging } from "./keep-pinging.js";

export interface RedisConnectionOptions {
  url: string;
  /** The longest wait between reconnection attempts (default 2 s). */
  maxReconnectDelayMs?: number;
  /** A command without an answer for this long fails (default 5 s), the connection stays. */
  commandTimeoutMs?: number;
  /**
   * A connection waiting for an answer that receives nothing for this long is treated as dropped: its
   * socket is destroyed and it reconnects (default 5 s).
   */
  socketTimeoutMs?: number;
  /** How often the subscriber connection is pinged, so a hang is noticed while it only listens (default 2 s). */
  pingIntervalMs?: number;
}

export interface RedisConnections {
  commands: Redis;
  subscriber: Redis;
  /** Resolves once both are ready the first time (rejects if either is closed before). */
  ready(): Promise<void>;
}

export function openRedisConnections(options: RedisConnectionOptions): RedisConnections {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const common: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 5_000,
    socketTimeout: options.socketTimeoutMs ?? 5_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
  };
  const commands = new Redis(options.url, {
    ...common,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    connectionName: "parley-reply-bus",
  });
  // The bus subscribes again itself on every reconnect, to exactly the channels still wanted.
  const subscriber = new Redis(options.url, {
    ...common,
    autoResubscribe: false,
    connectionName: "parley-reply-bus-sub",
  });
  // Errors are reported through the bus's own outage log; without a listener ioredis prints each one.
  commands.on("error", () => undefined);
  subscriber.on("error", () => undefined);
  keepPinging(subscriber, options.pingIntervalMs ?? 2_000);
  return {
    commands,
    subscriber,
    ready: () => Promise.all([whenReady(commands), whenReady(subscriber)]).then(() => undefined),
  };
}

/** Resolves when `redis` is (or next becomes) ready; rejects if it ends first. */
export function whenReady(redis: Redis): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      redis.off("end", onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off("ready", onReady);
      reject(new Error("the Redis connection was closed"));
    };
    redis.once("ready", onReady);
    redis.once("end", onEnd);
  });
}

/** Quits politely, then hangs up if Redis does not answer within `timeoutMs`. */
export async function quitWithin(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  try {
    await Promise.race([redis.quit().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
