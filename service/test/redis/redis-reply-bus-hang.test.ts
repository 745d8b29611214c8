import { startTcpProxy, type TcpProxy } from "@parley/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisReplyBus } from "../../src/adapters/redis/redis-reply-bus.js";
import { openTestRedis, testRedisAddress, testRedisUrlViaPort, type TestRedis } from "../support/redis.js";
import { finished, joinDeltas, openBus, readAll, streamRows, streamText } from "./bus-fixture.js";

// Short enough for a fast test; the defaults are 2 s and 5 s.
const pingIntervalMs = 50;
const socketTimeoutMs = 250;
// What a busy two-core machine may add to the timers; the bounds themselves are the sums below.
const schedulingSlackMs = 1_000;

let redis: TestRedis;
let proxy: TcpProxy;
let opened: RedisReplyBus[];
beforeEach(async () => {
  redis = openTestRedis();
  const { host, port } = testRedisAddress();
  proxy = await startTcpProxy(port, host);
  opened = [];
});
afterEach(async () => {
  proxy.thaw();
  await Promise.all(opened.map((bus) => bus.close()));
  await proxy.close();
  await redis.cleanup();
});

/** A bus whose connections go through the proxy, with the short liveness settings. */
const busBehindProxy = () =>
  openBus(redis, { url: testRedisUrlViaPort(proxy.port), pingIntervalMs, socketTimeoutMs }, opened);

describe("when Redis hangs without dropping the connection", () => {
  it("a follow waiting for live text fails with hub.unavailable within the bound; after the thaw, following works again", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await busBehindProxy();
    owner.appended("r1", 0, "before ");
    await expect.poll(() => streamText(redis, "r1")).toBe("before ");
    const events = follower.follow("r1", 0)[Symbol.asyncIterator]();
    expect(await events.next()).toEqual({
      done: false,
      value: { type: "delta", text: "before ", offset: 0 },
    });
    const next = events.next();

    const frozenAt = performance.now();
    proxy.freeze();
    await expect(next).rejects.toMatchObject({ code: "hub.unavailable" });
    expect(performance.now() - frozenAt).toBeLessThan(pingIntervalMs + socketTimeoutMs + schedulingSlackMs);
    // While it hangs, a new follow is refused at once instead of waiting too.
    await expect(follower.follow("r1", 0)[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: "hub.unavailable",
    });
    owner.appended("r1", 7, "during 🙂");
    await expect.poll(() => streamText(redis, "r1")).toBe("before during 🙂");

    proxy.thaw();
    await follower.ready();
    const resumed = readAll(follower.follow("r1", 7));
    owner.appended("r1", 15, " after");
    owner.ended("r1", finished(21));
    const all = await resumed;
    expect(joinDeltas(all, 7)).toBe("during 🙂 after");
    expect(all.at(-1)).toEqual(finished(21));
  });

  it("the commands connection: what waits fails within the bound, it reconnects, and the owner's text arrives once after the thaw", async () => {
    const owner = await busBehindProxy();
    owner.appended("r2", 0, "first ");
    await expect.poll(() => streamText(redis, "r2")).toBe("first ");

    const frozenAt = performance.now();
    proxy.freeze();
    // Redis still takes what is sent (only its answers are held back): this write lands.
    owner.appended("r2", 6, "landed 🙂");
    await expect.poll(() => streamText(redis, "r2")).toBe("first landed 🙂");
    await expect(owner.tell("someone", { type: "stop", replyId: "r2" })).rejects.toMatchObject({
      code: "hub.unavailable",
    });
    expect(performance.now() - frozenAt).toBeLessThan(socketTimeoutMs + schedulingSlackMs);
    await expect.poll(() => owner.logger.lines.map((line) => line.level)).toEqual(["warn"]);
    owner.appended("r2", 14, " after");

    proxy.thaw();
    await expect.poll(() => streamText(redis, "r2"), { timeout: 5_000 }).toBe("first landed 🙂 after");
    expect(await streamRows(redis, "r2")).toEqual([
      ["0-1", "t", "first "],
      ["6-0", "t", "landed 🙂"],
      ["14-0", "t", " after"],
    ]);
    await expect.poll(() => owner.logger.lines.map((line) => line.level)).toEqual(["warn", "info"]);
    expect(await owner.tell("someone", { type: "stop", replyId: "r2" })).toBe(false);
  });
});
