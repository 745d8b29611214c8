// A follower on another replica whose consumer is not taking events: the owner's live entries queue in
// its inbox and, with coalescing, arrive as one delta with the first part's offset and the parts' text.
// Real Redis; the follower's liveLag observer says when every live entry has been received.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FollowedEvent } from "../../src/application/replies/reply-bus.js";
import type { RedisReplyBus } from "../../src/adapters/redis/redis-reply-bus.js";
import { openTestRedis, type TestRedis } from "../support/redis.js";
import { finished, joinDeltas, openBus, streamText } from "./bus-fixture.js";

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

describe("a follower that falls behind, with coalescing", () => {
  it("gets the live entries that waited as one delta; text and offsets exact", async () => {
    const owner = await openBus(redis, {}, opened);
    let heard = 0;
    const follower = await openBus(
      redis,
      {
        coalescing: { maxBytes: 4_096, maxAgeMs: 60_000 },
        observer: { liveLag: () => heard++, outage: () => undefined },
      },
      opened,
    );
    let text = "";
    const write = async (part: string) => {
      owner.appended("r1", [...text].length, part);
      text += part;
      await expect.poll(() => streamText(redis, "r1")).toBe(text);
    };

    await write("Hi");
    const events = follower.follow("r1", 0)[Symbol.asyncIterator]();
    expect((await events.next()).value).toEqual({ type: "delta", text: "Hi", offset: 0 });
    // The follower now waits on its inbox: the next part comes live, at once.
    const waiting = events.next();
    await write(" there");
    expect((await waiting).value).toEqual({ type: "delta", text: " there", offset: 2 });

    // Nobody takes events now: ten turns' entries queue in the inbox.
    const parts = Array.from({ length: 10 }, (_, i) => ` wörd${i}😀`);
    for (const part of parts) await write(part);
    // " there" and the ten ("Hi" was written before the follower subscribed).
    await expect.poll(() => heard).toBe(11);
    owner.ended("r1", finished([...text].length));

    const rest: FollowedEvent[] = [];
    for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
    expect(rest).toEqual([{ type: "delta", text: parts.join(""), offset: 8 }, finished([...text].length)]);
    expect(joinDeltas(rest, 8)).toBe(parts.join(""));
  });
});
