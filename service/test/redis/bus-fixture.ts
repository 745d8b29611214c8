/**
 * What the Redis reply bus tests share: a bus under a fresh key prefix, a logger that records, and
 * helpers to read a follow and to look at a reply's stream.
 */
import type { Logger } from "../../src/application/ports.js";
import type { FollowedEvent } from "../../src/application/replies/reply-bus.js";
import type { ReplyFinishedEvent } from "../../src/application/replies/reply-events.js";
import {
  createRedisReplyBus,
  type RedisReplyBus,
  type RedisReplyBusOptions,
} from "../../src/adapters/redis/redis-reply-bus.js";
import type { TestRedis } from "../support/redis.js";

export interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: LogLine["level"]) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, fields });
  return { lines, info: record("info"), warn: record("warn"), error: record("error") };
}

/** A bus on the test's prefix; closed by `closeAll`. */
export async function openBus(
  redis: TestRedis,
  options: Partial<RedisReplyBusOptions> = {},
  opened: RedisReplyBus[] = [],
): Promise<RedisReplyBus & { logger: ReturnType<typeof recordingLogger> }> {
  const logger = recordingLogger();
  const bus = createRedisReplyBus({
    url: redis.url,
    keyPrefix: redis.prefix,
    logger,
    maxReconnectDelayMs: 100,
    ...options,
  });
  opened.push(bus);
  await bus.ready();
  return Object.assign(bus, { logger });
}

export const finished = (
  length: number,
  overrides: Partial<ReplyFinishedEvent> = {},
): ReplyFinishedEvent => ({
  type: "finished",
  status: "complete",
  finishReason: "stop",
  usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 },
  error: null,
  errorCode: null,
  length,
  ...overrides,
});

/** Every event of a follow until it ends. */
export async function readAll(events: AsyncIterable<FollowedEvent>): Promise<FollowedEvent[]> {
  const all: FollowedEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** The text of the deltas, checking that each starts where the previous one ended. */
export function joinDeltas(events: FollowedEvent[], from: number): string {
  let text = "";
  let cursor = from;
  for (const event of events) {
    if (event.type !== "delta") continue;
    if (event.offset !== cursor) throw new Error(`delta at ${event.offset}, expected ${cursor}`);
    text += event.text;
    cursor += [...event.text].length;
  }
  return text;
}

/** A reply's stream as `[id, field, value]` rows. */
export async function streamRows(redis: TestRedis, replyId: string): Promise<[string, string, string][]> {
  const entries = await redis.client.xrange(`${redis.prefix}reply:${replyId}`, "-", "+");
  return entries.map(([id, fields]) => [id, fields[0] ?? "", fields[1] ?? ""]);
}

/** The text of a reply's stream, its text entries joined. */
export async function streamText(redis: TestRedis, replyId: string): Promise<string> {
  return (await streamRows(redis, replyId))
    .filter(([, field]) => field === "t")
    .map(([, , text]) => text)
    .join("");
}

/** Resolves after the current event-loop turn's I/O (the bus flushes on setImmediate). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
