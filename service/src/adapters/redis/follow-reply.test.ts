import { describe, expect, it } from "vitest";
import { hubUnavailable } from "../../domain/errors.js";
import type { ChannelSubscriptions } from "./channel-subscriptions.js";
import { followReply } from "./follow-reply.js";
import { replyKeys } from "./reply-stream-format.js";
import type { StreamReader } from "./stream-reader.js";

/** A stream read that answers after a round trip (a macrotask), as Redis does. */
const slowEmptyReader = {
  from: () => new Promise((resolve) => setTimeout(() => resolve({ covering: null, after: [] }), 5)),
} as unknown as StreamReader;

/** The subscriber connection is reconnecting: every follow is refused at once. */
const reconnecting: ChannelSubscriptions = {
  follow: () => Promise.reject(hubUnavailable("the live replies hub is unreachable")),
  listen: () => Promise.resolve(),
};

describe("followReply", () => {
  it("fails with hub.unavailable when the subscription is refused before the first read returns, leaving no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const follow = followReply(
        {
          keys: replyKeys("p:"),
          reader: slowEmptyReader,
          subscriptions: reconnecting,
          maxBufferedChars: 1_000,
        },
        "reply-1",
        0,
      );
      await expect(follow.next()).rejects.toMatchObject({ code: "hub.unavailable" });
      // Node reports an unhandled rejection after the microtasks of the turn it happened in.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
