import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OwnerMessage } from "../../src/application/replies/reply-bus.js";
import type { RedisReplyBus } from "../../src/adapters/redis/redis-reply-bus.js";
import { openTestRedis, type TestRedis } from "../support/redis.js";
import { openBus } from "./bus-fixture.js";

let redis: TestRedis;
let opened: RedisReplyBus[];
beforeEach(() => {
  redis = openTestRedis();
  opened = [];
});
afterEach(async () => {
  await Promise.all(opened.map((bus) => bus.close()));
  await redis.cleanup();
});

describe("telling an owner", () => {
  it("reaches the process that listens, which gets only well-formed messages", async () => {
    const owner = await openBus(redis, {}, opened);
    const other = await openBus(redis, {}, opened);
    const received: OwnerMessage[] = [];
    await owner.listen("process-a", (message) => received.push(message));

    await redis.client.publish(`${redis.prefix}owner:process-a`, "not json");
    await redis.client.publish(`${redis.prefix}owner:process-a`, JSON.stringify({ type: "stop" }));
    await redis.client.publish(
      `${redis.prefix}owner:process-a`,
      JSON.stringify({ type: "watching", replyId: "r" }),
    );
    expect(await other.tell("process-a", { type: "stop", replyId: "r1" })).toBe(true);
    expect(await other.tell("process-a", { type: "watching", replyId: "r1", watcher: "process-b" })).toBe(
      true,
    );
    expect(await other.tell("process-a", { type: "unwatched", replyId: "r1", watcher: "process-b" })).toBe(
      true,
    );
    await expect.poll(() => received).toHaveLength(3);
    expect(received).toEqual([
      { type: "stop", replyId: "r1" },
      { type: "watching", replyId: "r1", watcher: "process-b" },
      { type: "unwatched", replyId: "r1", watcher: "process-b" },
    ]);
  });

  it("resolves false when nobody listens", async () => {
    const bus = await openBus(redis, {}, opened);
    expect(await bus.tell("nobody", { type: "stop", replyId: "r1" })).toBe(false);
  });

  it("listen called before the connection is up resolves once subscribed", async () => {
    const { createRedisReplyBus } = await import("../../src/adapters/redis/redis-reply-bus.js");
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const owner = createRedisReplyBus({ url: redis.url, keyPrefix: redis.prefix, logger });
    opened.push(owner);
    const received: OwnerMessage[] = [];
    await owner.listen("early", (message) => received.push(message));
    const other = await openBus(redis, {}, opened);
    expect(await other.tell("early", { type: "stop", replyId: "r2" })).toBe(true);
    await expect.poll(() => received).toEqual([{ type: "stop", replyId: "r2" }]);
  });
});
