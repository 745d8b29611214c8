import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisReplyBus } from "../../src/adapters/redis/redis-reply-bus.js";
import { DomainError } from "../../src/domain/errors.js";
import { openTestRedis, type TestRedis } from "../support/redis.js";
import { finished, joinDeltas, nextTurn, openBus, readAll, streamRows, streamText } from "./bus-fixture.js";

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

/** The owner writes `text` in one turn and waits until the stream holds it. */
async function written(owner: RedisReplyBus, replyId: string, offset: number, text: string, before: string) {
  owner.appended(replyId, offset, text);
  await expect.poll(() => streamText(redis, replyId)).toBe(before + text);
}

describe("the owner's writes", () => {
  it("appends within one event-loop turn become one stream entry, the next turn's another", async () => {
    const owner = await openBus(redis, {}, opened);
    owner.appended("r1", 0, "Hel");
    owner.appended("r1", 3, "lo ");
    owner.appended("r1", 6, "🙂!");
    await expect.poll(() => streamRows(redis, "r1")).toEqual([["0-1", "t", "Hello 🙂!"]]);
    owner.appended("r1", 8, " and");
    owner.appended("r1", 12, " more");
    await expect.poll(() => streamRows(redis, "r1")).toHaveLength(2);
    expect(await streamRows(redis, "r1")).toEqual([
      ["0-1", "t", "Hello 🙂!"],
      ["8-0", "t", " and more"],
    ]);
  });

  it("writes the pending tail, then the terminal entry last, kept retainAfterEndMs", async () => {
    const owner = await openBus(redis, { retainAfterEndMs: 30_000, liveTtlMs: 600_000 }, opened);
    await written(owner, "r2", 0, "abc", "");
    const key = `${redis.prefix}reply:r2`;
    expect(await redis.client.pttl(key)).toBeGreaterThan(600_000 - 5_000);
    expect(await redis.client.pttl(key)).toBeLessThanOrEqual(600_000);

    owner.appended("r2", 3, "de");
    owner.ended("r2", finished(5));
    await expect.poll(() => streamRows(redis, "r2")).toHaveLength(3);
    const rows = await streamRows(redis, "r2");
    expect(rows.slice(0, 2)).toEqual([
      ["0-1", "t", "abc"],
      ["3-0", "t", "de"],
    ]);
    expect(rows[2]?.slice(0, 2)).toEqual(["5-1", "end"]);
    expect(JSON.parse(rows[2]?.[2] ?? "")).toEqual({
      status: "complete",
      finishReason: "stop",
      usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 },
      error: null,
      errorCode: null,
      length: 5,
    });
    expect(await redis.client.pttl(key)).toBeGreaterThan(30_000 - 5_000);
    expect(await redis.client.pttl(key)).toBeLessThanOrEqual(30_000);

    const events = await readAll((await openBus(redis, {}, opened)).follow("r2", 0));
    expect(events).toEqual([
      { type: "delta", text: "abc", offset: 0 },
      { type: "delta", text: "de", offset: 3 },
      finished(5),
    ]);
  });

  it("an empty reply ends with the terminal entry 0-1", async () => {
    const owner = await openBus(redis, {}, opened);
    owner.ended("r0", finished(0, { status: "failed", error: "refused", errorCode: "upstream.rejected" }));
    await expect.poll(() => streamRows(redis, "r0")).toHaveLength(1);
    expect((await streamRows(redis, "r0"))[0]?.[0]).toBe("0-1");
    const events = await readAll((await openBus(redis, {}, opened)).follow("r0", 0));
    expect(events).toEqual([
      finished(0, { status: "failed", error: "refused", errorCode: "upstream.rejected" }),
    ]);
  });
});

describe("the owner's mistakes and shutdown", () => {
  it("an append that skips text is logged once and not written", async () => {
    const owner = await openBus(redis, {}, opened);
    await written(owner, "h1", 0, "abc", "");
    owner.appended("h1", 5, "f");
    owner.appended("h1", 6, "g");
    owner.appended("h2", 0, "next");
    await expect.poll(() => streamText(redis, "h2")).toBe("next");
    expect(await streamText(redis, "h1")).toBe("abc");
    expect(owner.logger.lines).toEqual([
      {
        level: "error",
        message: "reply bus: an append skipped text; the reply stops on the bus here",
        fields: { replyId: "h1", offset: 5, expected: 3 },
      },
    ]);
  });

  it("close sends what is still batched, text then end", async () => {
    const owner = await openBus(redis, {}, opened);
    owner.appended("c1", 0, "last words");
    owner.ended("c1", finished(10));
    await owner.close();
    expect((await streamRows(redis, "c1")).map(([id, field]) => [id, field])).toEqual([
      ["0-1", "t"],
      ["10-1", "end"],
    ]);
  });
});

describe("following a reply", () => {
  it("from offset 0, from mid-text and from the middle of an emoji-bearing entry: exact text", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    await written(owner, "r3", 0, "a🙂b", "");
    await written(owner, "r3", 3, "cd😀e", "a🙂b");
    owner.ended("r3", finished(7));
    await expect.poll(() => streamRows(redis, "r3")).toHaveLength(3);

    expect(await readAll(follower.follow("r3", 0))).toEqual([
      { type: "delta", text: "a🙂b", offset: 0 },
      { type: "delta", text: "cd😀e", offset: 3 },
      finished(7),
    ]);
    expect(await readAll(follower.follow("r3", 2))).toEqual([
      { type: "delta", text: "b", offset: 2 },
      { type: "delta", text: "cd😀e", offset: 3 },
      finished(7),
    ]);
    expect(await readAll(follower.follow("r3", 5))).toEqual([
      { type: "delta", text: "😀e", offset: 5 },
      finished(7),
    ]);
    expect(await readAll(follower.follow("r3", 7))).toEqual([finished(7)]);
  });

  it("from exactly the end of a live reply: waits, then yields what comes next", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    await written(owner, "r4", 0, "Hello", "");
    const events = follower.follow("r4", 5)[Symbol.asyncIterator]();
    const next = events.next();
    owner.appended("r4", 5, " world");
    expect(await next).toEqual({ done: false, value: { type: "delta", text: " world", offset: 5 } });
    owner.ended("r4", finished(11));
    expect(await events.next()).toEqual({ done: false, value: finished(11) });
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it("from beyond the end: waits for the text to reach it, then yields only what follows", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    await written(owner, "r5", 0, "12345", "");
    const events = follower.follow("r5", 8)[Symbol.asyncIterator]();
    const next = events.next();
    owner.appended("r5", 5, "67");
    await expect.poll(() => streamText(redis, "r5")).toBe("1234567");
    owner.appended("r5", 7, "89🙂x");
    expect(await next).toEqual({ done: false, value: { type: "delta", text: "9🙂x", offset: 8 } });
    owner.ended("r5", finished(11));
    expect(await events.next()).toEqual({ done: false, value: finished(11) });
  });

  it("from beyond the end of a reply that ends short: offsetBeyondReply", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    await written(owner, "r6", 0, "short", "");
    const pending = readAll(follower.follow("r6", 9));
    owner.ended("r6", finished(5));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "argument.invalid", details: { offset: 9, length: 5 } });
    // And once ended, at once.
    await expect(readAll(follower.follow("r6", 6))).rejects.toMatchObject({
      details: { offset: 6, length: 5 },
    });
  });

  it("started while appends race (many turns, astral code points): exactly the text, every time", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    const pieces = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? `😀${i}` : i % 3 === 1 ? `é${i}🙂` : `w${i} `,
    );
    const full = pieces.join("");
    const fullPoints = [...full];
    for (let round = 0; round < 12; round++) {
      const replyId = `race-${round}`;
      const from = (round * 7) % 40;
      const startAt = (round * 5) % pieces.length;
      let offset = 0;
      let following: Promise<string> | null = null;
      for (let i = 0; i < pieces.length; i++) {
        if (i === startAt)
          following = readAll(follower.follow(replyId, from)).then((e) => joinDeltas(e, from));
        const piece = pieces[i] ?? "";
        owner.appended(replyId, offset, piece);
        offset += [...piece].length;
        // Some pieces share a turn, others do not.
        if (i % 4 !== 0) await nextTurn();
      }
      owner.ended(replyId, finished(offset));
      expect(await following).toBe(fullPoints.slice(from).join(""));
    }
  });

  it("several followers of one reply share its live channel, unsubscribed when they end", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    owner.appended("r7", 0, "x");
    const all = [0, 0, 1].map((from) => readAll(follower.follow("r7", from)));
    const channel = `${redis.prefix}live:r7`;
    await expect.poll(async () => (await redis.client.pubsub("NUMSUB", channel))[1]).toBe(1);
    owner.appended("r7", 1, "yz");
    owner.ended("r7", finished(3));
    const [a, b, c] = await Promise.all(all);
    expect(joinDeltas(a ?? [], 0)).toBe("xyz");
    expect(joinDeltas(b ?? [], 0)).toBe("xyz");
    expect(joinDeltas(c ?? [], 1)).toBe("yz");
    await expect.poll(async () => (await redis.client.pubsub("NUMSUB", channel))[1]).toBe(0);
  });

  it("ends cleanly when its signal aborts, and lets go of the channel", async () => {
    const owner = await openBus(redis, {}, opened);
    const follower = await openBus(redis, {}, opened);
    owner.appended("r8", 0, "live");
    const controller = new AbortController();
    const events = follower.follow("r8", 0, controller.signal)[Symbol.asyncIterator]();
    expect(await events.next()).toEqual({ done: false, value: { type: "delta", text: "live", offset: 0 } });
    const next = events.next();
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    await expect.poll(async () => (await redis.client.pubsub("NUMSUB", `${redis.prefix}live:r8`))[1]).toBe(0);
  });

  it("fails with hub.unavailable when the stream no longer reaches back to the offset", async () => {
    const follower = await openBus(redis, {}, opened);
    await redis.client.xadd(`${redis.prefix}reply:r9`, "10-0", "t", "tail only");
    await expect(readAll(follower.follow("r9", 4))).rejects.toMatchObject({ code: "hub.unavailable" });
  });
});
