/**
 * The bus's metrics: a follower observes, for every live entry it receives, how late it came (the owner's
 * stamp to the follower's clock); the owner counts each outage of its connection to Redis once.
 */
import { parseSamples } from "@parley/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { observeReplyBus } from "../../src/adapters/metrics/reply-bus-metrics.js";
import { createServiceMetrics, type ServiceMetrics } from "../../src/adapters/metrics/service-metrics.js";
import type { RedisReplyBus } from "../../src/adapters/redis/redis-reply-bus.js";
import { openTestRedis, testRedisAddress, testRedisUrlViaPort, type TestRedis } from "../support/redis.js";
import { startTcpProxy, type TcpProxy } from "@parley/test-support";
import { finished, joinDeltas, openBus, readAll, streamText } from "./bus-fixture.js";

let redis: TestRedis;
let opened: RedisReplyBus[];
let metrics: ServiceMetrics;
let proxy: TcpProxy | undefined;
beforeEach(() => {
  redis = openTestRedis();
  opened = [];
  metrics = createServiceMetrics({ models: [], processMetrics: false });
  proxy = undefined;
});
afterEach(async () => {
  await proxy?.restore();
  await Promise.all(opened.map((bus) => bus.close()));
  await proxy?.close();
  await redis.cleanup();
});

const scrape = async () => parseSamples(await metrics.registry.metrics());

describe("the reply bus's metrics", () => {
  it("a follower observes the lag of every live entry it receives", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, { observer: observeReplyBus(metrics) }, opened);
    // A second subscriber on the reply's live channel counts what the owner publishes.
    const channel = `${redis.prefix}live:r1`;
    const listener = redis.client.duplicate();
    const published: string[] = [];
    listener.on("message", (_channel: string, message: string) => published.push(message));
    await listener.subscribe(channel);
    try {
      const following = readAll(follower.follow("r1", 0));
      await expect.poll(async () => (await redis.client.pubsub("NUMSUB", channel))[1]).toBe(2);
      let text = "";
      for (const part of ["Hel", "lo, ", "wor", "ld!"]) {
        owner.appended("r1", [...text].length, part);
        text += part;
        await expect.poll(() => streamText(redis, "r1")).toBe(text);
      }
      owner.ended("r1", finished(text.length));
      const events = await following;
      expect(joinDeltas(events, 0)).toBe("Hello, world!");
      expect(events.at(-1)).toEqual(finished(text.length));
      await expect.poll(() => published.length).toBe(5);

      const samples = await scrape();
      expect(samples.get("parley_reply_bus_live_lag_seconds_count")).toBe(published.length);
      expect(samples.get('parley_reply_bus_live_lag_seconds_bucket{le="+Inf"}')).toBe(published.length);
      // Same host, same clock: nothing is late by a whole ten seconds.
      expect(samples.get('parley_reply_bus_live_lag_seconds_bucket{le="10"}')).toBe(published.length);
      expect(samples.get("parley_reply_bus_outages_total")).toBe(0);
    } finally {
      listener.disconnect();
    }
  });

  it("the owner counts an outage once, however many writes meet it", async () => {
    const { host, port } = testRedisAddress();
    proxy = await startTcpProxy(port, host);
    const owner = await openBus(
      redis,
      { url: testRedisUrlViaPort(proxy.port), observer: observeReplyBus(metrics) },
      opened,
    );
    await proxy.cut();
    owner.appended("r2", 0, "one");
    owner.appended("r2", 3, " two");
    await expect.poll(async () => (await scrape()).get("parley_reply_bus_outages_total")).toBe(1);
    await proxy.restore();
    owner.ended("r2", finished(7));
    await expect.poll(() => streamText(redis, "r2"), { timeout: 5_000 }).toBe("one two");
    expect((await scrape()).get("parley_reply_bus_outages_total")).toBe(1);
  });
});
