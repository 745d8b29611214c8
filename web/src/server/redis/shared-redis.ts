/**
 * The web app's Redis connection, when REDIS_URL is set: one per process, opened on first use (when the
 * app's parts are built). Everything kept there has an in-process fallback, so the client is tuned to
 * fail fast rather than to wait: no offline queue (a command while disconnected fails at once), short
 * connect and command time-outs, no retries of a command, and after a failure Redis is skipped for a
 * moment (callers go straight to their fallback) while ioredis reconnects in the background. An outage
 * is logged when it starts and when it ends, never once per request.
 */
import "server-only";
import { createRateLimitedWarn } from "@parley/log-line";
import { Redis } from "ioredis";
import { describeError, type Logger } from "../logger";

export interface SharedRedis {
  /** Every key this app writes starts with it (REDIS_KEY_PREFIX, e.g. `parley:`). */
  readonly keyPrefix: string;
  /** `command`'s answer from Redis or, when Redis fails or failed a moment ago, `fallback`'s. */
  run<T>(command: (client: Redis) => Promise<T>, fallback: () => T | Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SharedRedisOptions {
  url: string;
  keyPrefix: string;
  log: Pick<Logger, "info" | "warn">;
  /** Longest wait for a connection, at start-up and on every reconnect. Default 1 s. */
  connectTimeoutMs?: number;
  /** Longest wait for a command's answer before its caller falls back. Default 300 ms. */
  commandTimeoutMs?: number;
  /** After a failure, how long callers go straight to their fallback. Default 1 s. */
  pauseMs?: number;
}

/** Opens a connection, waiting at most `connectTimeoutMs` for it: an unreachable Redis does not stop the app. */
export async function connectRedis(options: SharedRedisOptions): Promise<SharedRedis> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const pauseMs = options.pauseMs ?? 1_000;
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? 300,
    // Reconnect forever, backing off to one attempt a second.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // A flapping Redis could start an outage a second: their warnings are bounded too.
  const warn = createRateLimitedWarn(options.log.warn.bind(options.log), { intervalMs: 60_000 });
  let downSince: number | null = null;
  let skipUntil = 0;
  let servedLocally = 0;

  const failed = (error: unknown) => {
    skipUntil = Date.now() + pauseMs;
    if (downSince !== null) return;
    downSince = Date.now();
    warn("redis-unreachable", "Redis unreachable: sessions and sign-in limits fall back to this process", {
      ...describeError(error),
    });
  };
  const recovered = () => {
    skipUntil = 0;
    if (downSince === null) return;
    options.log.info("Redis reachable again", { outageMs: Date.now() - downSince, servedLocally });
    downSince = null;
    servedLocally = 0;
  };
  client.on("error", failed);
  client.on("ready", recovered);

  // Ready, refused (ioredis keeps retrying in the background) or still silent after the time-out.
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done).off("error", done);
      resolve();
    };
    const timer = setTimeout(done, connectTimeoutMs);
    client.once("ready", done).once("error", done);
  });
  if (client.status !== "ready") failed(new Error(`no connection to Redis within ${connectTimeoutMs} ms`));

  return {
    keyPrefix: options.keyPrefix,
    async run(command, fallback) {
      if (downSince !== null && Date.now() < skipUntil) {
        servedLocally++;
        return fallback();
      }
      let result: Awaited<ReturnType<typeof command>>;
      try {
        result = await command(client);
      } catch (error) {
        failed(error);
        servedLocally++;
        return fallback();
      }
      recovered();
      return result;
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

const holder = globalThis as typeof globalThis & { parleySharedRedis?: Promise<SharedRedis> };

/** The process's one connection, opened by the first call (later calls get the same one). */
export function sharedRedis(options: SharedRedisOptions): Promise<SharedRedis> {
  holder.parleySharedRedis ??= connectRedis(options);
  return holder.parleySharedRedis;
}
