import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisReplyBus } from "../../src/adapters/redis/redis-reply-bus.js";
import { openTestRedis, testRedisAddress, testRedisUrlViaPort, type TestRedis } from "../support/redis.js";
import { startTcpProxy, type TcpProxy } from "@parley/test-support";
import { finished, joinDeltas, openBus, readAll, streamRows, streamText } from "./bus-fixture.js";

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
  await proxy.restore();
  await Promise.all(opened.map((bus) => bus.close()));
  await proxy.close();
  await redis.cleanup();
});

describe("when Redis goes away", () => {
  it("a follow in progress fails with hub.unavailable; the owner's appends meanwhile arrive as the missing text, with one warning", async () => {
    const owner = await openBus(redis, { url: testRedisUrlViaPort(proxy.port) }, opened);
    const follower = await openBus(redis, { url: testRedisUrlViaPort(proxy.port) }, opened);
    owner.appended("r1", 0, "before ");
    await expect.poll(() => streamText(redis, "r1")).toBe("before ");
    const events = follower.follow("r1", 0)[Symbol.asyncIterator]();
    expect(await events.next()).toEqual({
      done: false,
      value: { type: "delta", text: "before ", offset: 0 },
    });
    const next = events.next();

    await proxy.cut();
    await expect(next).rejects.toMatchObject({ code: "hub.unavailable" });
    let offset = 7;
    for (let i = 0; i < 50; i++) {
      const piece = i % 2 ? "🙂" : `d${i}`;
      owner.appended("r1", offset, piece);
      offset += [...piece].length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const during = Array.from({ length: 50 }, (_, i) => (i % 2 ? "🙂" : `d${i}`)).join("");
    expect(await streamText(redis, "r1")).toBe("before ");
    await expect(follower.follow("r1", 0)[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: "hub.unavailable",
    });
    await expect(follower.tell("someone", { type: "stop", replyId: "r1" })).rejects.toMatchObject({
      code: "hub.unavailable",
    });
    await expect.poll(() => owner.logger.lines.filter((line) => line.level === "warn")).toHaveLength(1);

    await proxy.restore();
    await expect.poll(() => streamText(redis, "r1"), { timeout: 5_000 }).toBe(`before ${during}`);
    expect(await streamRows(redis, "r1")).toEqual([
      ["0-1", "t", "before "],
      ["7-0", "t", during],
    ]);
    await expect.poll(() => owner.logger.lines.map((line) => line.level)).toEqual(["warn", "info"]);
    expect(owner.logger.lines[0]?.message).toMatch(/unreachable/);
    expect(owner.logger.lines[1]?.message).toMatch(/reachable again/);

    // And following works again, from where the failed follow was.
    await follower.ready();
    const resumed = readAll(follower.follow("r1", 7));
    owner.ended("r1", finished(offset));
    const all = await resumed;
    expect(joinDeltas(all, 7)).toBe(during);
    expect(all.at(-1)).toEqual(finished(offset));
  });

  it("the text of a reply that ended during a long outage is dropped, a live one's kept", async () => {
    const owner = await openBus(
      redis,
      { url: testRedisUrlViaPort(proxy.port), dropEndedAfterMs: 200 },
      opened,
    );
    await proxy.cut();
    owner.appended("ended", 0, "gone");
    owner.ended("ended", finished(4));
    owner.appended("live", 0, "kept");
    await expect
      .poll(() => owner.logger.lines.map((line) => [line.message, line.fields?.dropped]), { timeout: 5_000 })
      .toContainEqual(["reply bus: dropped the unsent text of ended replies", 1]);
    await proxy.restore();
    await expect.poll(() => streamText(redis, "live"), { timeout: 5_000 }).toBe("kept");
    expect(await streamRows(redis, "ended")).toEqual([]);
  });

  it("a flush that landed but whose answer was lost is not written twice after the outage", async () => {
    const owner = await openBus(redis, { url: testRedisUrlViaPort(proxy.port) }, opened);
    owner.appended("r3", 0, "first ");
    await expect.poll(() => streamText(redis, "r3")).toBe("first ");
    // Redis takes the next write, but its answer never comes back before the connection is cut.
    proxy.freeze();
    owner.appended("r3", 6, "landed 🙂");
    await expect.poll(() => streamText(redis, "r3")).toBe("first landed 🙂");
    await proxy.cut();
    proxy.thaw();
    owner.appended("r3", 14, " after");
    await proxy.restore();
    await expect.poll(() => streamText(redis, "r3"), { timeout: 5_000 }).toBe("first landed 🙂 after");
    expect(await streamRows(redis, "r3")).toEqual([
      ["0-1", "t", "first "],
      ["6-0", "t", "landed 🙂"],
      ["14-0", "t", " after"],
    ]);
    await expect.poll(() => owner.logger.lines.map((line) => line.level)).toEqual(["warn", "info"]);
  });

  it("a listener hears its owner channel again after Redis comes back", async () => {
    const owner = await openBus(redis, { url: testRedisUrlViaPort(proxy.port) }, opened);
    const other = await openBus(redis, {}, opened);
    const received: string[] = [];
    await owner.listen("process-a", (message) => received.push(message.replyId));
    expect(await other.tell("process-a", { type: "stop", replyId: "before" })).toBe(true);
    await expect.poll(() => received).toEqual(["before"]);
    await proxy.cut();
    await expect(owner.tell("process-a", { type: "stop", replyId: "r" })).rejects.toMatchObject({
      code: "hub.unavailable",
    });
    await proxy.restore();
    await expect
      .poll(() => other.tell("process-a", { type: "stop", replyId: "after" }), { timeout: 5_000 })
      .toBe(true);
    await expect.poll(() => received).toEqual(["before", "after"]);
  });

  it("an earlier write that did land (the id is below the stream's top) is resynced, not written twice", async () => {
    const owner = await openBus(redis, {}, opened);
    owner.appended("r2", 0, "Hello ");
    await expect.poll(() => streamText(redis, "r2")).toBe("Hello ");
    // As if a previous, ambiguous flush of the next text had landed.
    await redis.client.xadd(`${redis.prefix}reply:r2`, "6-0", "t", "wor");
    owner.appended("r2", 6, "world");
    owner.appended("r2", 11, "!");
    await expect.poll(() => streamText(redis, "r2")).toBe("Hello world!");
    expect(await streamRows(redis, "r2")).toEqual([
      ["0-1", "t", "Hello "],
      ["6-0", "t", "wor"],
      ["9-0", "t", "ld!"],
    ]);
    owner.ended("r2", finished(12));
    const events = await readAll((await openBus(redis, {}, opened)).follow("r2", 0));
    expect(joinDeltas(events, 0)).toBe("Hello world!");
    expect(owner.logger.lines).toEqual([]);
  });
});
