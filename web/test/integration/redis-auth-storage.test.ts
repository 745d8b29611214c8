/**
 * The sign-in counters and better-auth's secondary storage on a real Redis: shared by two connections
 * (two replicas), expiring with their window, and, when Redis is unreachable, frozen or comes back,
 * counted in the process's own store for that call, with one warning per outage.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCounterStore } from "~/server/auth/counter-store";
import { createRedisCounters } from "~/server/auth/redis-counters";
import { createRedisSecondaryStorage } from "~/server/auth/redis-secondary-storage";
import type { Logger } from "~/server/logger";
import { connectRedis, type SharedRedis } from "~/server/redis/shared-redis";
import { testRedisPrefix, testRedisUrl, type TestRedisPrefix } from "../support/redis-prefix";
import { startTcpProxy, type TcpProxy } from "@parley/test-support";
import { freePort } from "../support/web-process";

function capturingLog() {
  const lines: { level: string; message: string }[] = [];
  const log: Logger = {
    info: (message) => void lines.push({ level: "info", message }),
    warn: (message) => void lines.push({ level: "warn", message }),
    error: (message) => void lines.push({ level: "error", message }),
  };
  return { log, lines, messages: () => lines.map((line) => `${line.level}: ${line.message}`) };
}

const local = () => createCounterStore({ maxBytes: 1024 * 1024 });
let redisKeys: TestRedisPrefix;
const opened: SharedRedis[] = [];
const open = async (url: string, log: Logger = capturingLog().log) => {
  const redis = await connectRedis({ url, keyPrefix: redisKeys.prefix, log });
  opened.push(redis);
  return redis;
};

beforeAll(() => {
  redisKeys = testRedisPrefix();
});

afterEach(async () => {
  for (const redis of opened.splice(0)) await redis.close();
});

afterAll(() => redisKeys?.cleanUp());

describe("window counters on Redis", () => {
  it("count every replica's steps in one window that expires with it", async () => {
    const [a, b] = [await open(testRedisUrl), await open(testRedisUrl)];
    const onA = createRedisCounters(a, "auth-lockout:", local());
    const onB = createRedisCounters(b, "auth-lockout:", local());
    const started = Date.now();
    expect((await onA.increment("account:ada@example.com", 60)).count).toBe(1);
    expect((await onB.increment("account:ada@example.com", 60)).count).toBe(2);
    const third = await onA.increment("account:ada@example.com", 60);
    expect(third.count).toBe(3);
    expect(third.resetAt).toBeGreaterThan(started + 59_000);
    expect(third.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
    // The window was set when the key was created; later steps do not extend it.
    const ttl = await redisKeys.client.pttl(`${redisKeys.prefix}auth-lockout:account:ada@example.com`);
    expect(ttl).toBeGreaterThan(59_000 - (Date.now() - started));
    expect(ttl).toBeLessThanOrEqual(60_000);

    await onB.decrement("account:ada@example.com");
    expect((await onA.increment("account:ada@example.com", 60)).count).toBe(3);
    await onA.delete("account:ada@example.com");
    expect(await redisKeys.keys("auth-lockout:*")).toEqual([]);
    // Taking one back from nothing creates no key (it would never expire) and never goes below zero.
    await onB.decrement("account:nobody@example.com");
    expect(await redisKeys.keys("auth-lockout:*")).toEqual([]);
  });

  it("parallel steps from two replicas are counted exactly", async () => {
    const [a, b] = [await open(testRedisUrl), await open(testRedisUrl)];
    const counters = [a, b].map((redis) => createRedisCounters(redis, "auth-lockout:", local()));
    const counts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => counters[i % 2]!.increment("account:burst@example.com", 60)),
    );
    expect(counts.map((window) => window.count).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });
});

describe("better-auth's secondary storage on Redis", () => {
  it("keeps values under <prefix>auth: with their TTL, and counts better-auth's limit there", async () => {
    const storage = createRedisSecondaryStorage(await open(testRedisUrl), local());
    await storage.set("token-1", '{"session":1}', 120);
    await storage.set("active-sessions-u1", "[]");
    expect(await storage.get("token-1")).toBe('{"session":1}');
    expect(await redisKeys.client.ttl(`${redisKeys.prefix}auth:token-1`)).toBeGreaterThan(115);
    expect(await redisKeys.client.ttl(`${redisKeys.prefix}auth:active-sessions-u1`)).toBe(-1);
    expect(await storage.getAndDelete("token-1")).toBe('{"session":1}');
    expect(await storage.get("token-1")).toBeNull();
    await storage.delete("active-sessions-u1");
    expect(await storage.increment("127.0.0.1|/sign-in/email", 300)).toBe(1);
    expect(await storage.increment("127.0.0.1|/sign-in/email", 300)).toBe(2);
    expect(await redisKeys.keys("auth:*")).toEqual(["auth:127.0.0.1|/sign-in/email"]);
  });
});

describe("when Redis fails", () => {
  it("an unreachable Redis costs no wait: each call is served by the process's own store, one warning", async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const capture = capturingLog();
    const redis = await open(closed, capture.log);
    const store = local();
    const counters = createRedisCounters(redis, "auth-lockout:", store);
    const storage = createRedisSecondaryStorage(redis, local());

    const started = performance.now();
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) counts.push((await counters.increment("account:ada@example.com", 60)).count);
    await counters.decrement("account:ada@example.com");
    await storage.set("token-2", "{}", 60);
    expect(await storage.get("token-2")).toBeNull();
    expect(await storage.increment("10.0.0.1|/sign-in/email", 60)).toBe(1);
    // Far less than one command time-out (300 ms) for all of them.
    expect(performance.now() - started).toBeLessThan(300);

    expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(store.peek("account:ada@example.com")?.count).toBe(19);
    expect(capture.messages()).toEqual([
      "warn: Redis unreachable: sessions and sign-in limits fall back to this process",
    ]);
  });

  it("an outage mid-way falls back, and the counters go back to Redis when it returns", async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(testRedisUrl).port || 6379));
    try {
      const capture = capturingLog();
      const redis = await open(`redis://127.0.0.1:${proxy.port}`, capture.log);
      const store = local();
      const counters = createRedisCounters(redis, "auth-lockout:", store);
      expect((await counters.increment("account:grace@example.com", 60)).count).toBe(1);
      expect((await counters.increment("account:grace@example.com", 60)).count).toBe(2);

      await proxy.cut();
      // Until the client notices, a call may still be in flight on the dead socket: it falls back too.
      expect((await counters.increment("account:grace@example.com", 60)).count).toBe(1);
      expect((await counters.increment("account:grace@example.com", 60)).count).toBe(2);
      expect(store.peek("account:grace@example.com")?.count).toBe(2);

      await proxy.restore();
      await expect
        .poll(() => capture.messages(), { timeout: 10_000 })
        .toContain("info: Redis reachable again");
      expect((await counters.increment("account:grace@example.com", 60)).count).toBe(3);
      expect(capture.messages()).toEqual([
        "warn: Redis unreachable: sessions and sign-in limits fall back to this process",
        "info: Redis reachable again",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("a Redis that stops answering costs one command time-out, then nothing while it stays silent", async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(testRedisUrl).port || 6379));
    try {
      const capture = capturingLog();
      const redis = await open(`redis://127.0.0.1:${proxy.port}`, capture.log);
      const counters = createRedisCounters(redis, "auth-lockout:", local());
      expect((await counters.increment("account:linus@example.com", 60)).count).toBe(1);

      proxy.freeze();
      let started = performance.now();
      expect((await counters.increment("account:linus@example.com", 60)).count).toBe(1);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      started = performance.now();
      expect((await counters.increment("account:linus@example.com", 60)).count).toBe(2);
      expect(performance.now() - started).toBeLessThan(100);
      expect(capture.messages()).toEqual([
        "warn: Redis unreachable: sessions and sign-in limits fall back to this process",
      ]);
      proxy.thaw();
    } finally {
      await proxy.close();
    }
  });
});
