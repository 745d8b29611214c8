import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveReply } from "./reduce-live-replies";
import { connectionChange, createGiveUpTimers } from "./reply-connection-policy";

const aReply = (phase: LiveReply["phase"]): LiveReply => ({
  key: "c1",
  chatId: "c1",
  replyId: "r1",
  userMessageId: null,
  userText: null,
  replaces: null,
  content: "",
  length: 0,
  status: "streaming",
  phase,
  context: null,
  error: null,
  failedBeforeStart: false,
  limit: null,
  gap: false,
});

describe("connectionChange", () => {
  const dropped = { state: "connecting", error: new Error("network") };

  it.each([
    ["a dropped connection of a live reply", aReply("streaming"), dropped, "lost"],
    ["a dropped connection during a stop", aReply("stopping"), dropped, "lost"],
    ["the first connection (no error)", aReply("sending"), { state: "connecting", error: null }, null],
    ["a connection back after a drop", aReply("reconnecting"), { state: "pending", error: null }, "restored"],
    ["a connection that was never lost", aReply("streaming"), { state: "pending", error: null }, null],
    ["a drop after the reply ended", aReply("done"), dropped, null],
    ["a drop after the reply failed", aReply("failed"), dropped, null],
    ["a drop of a reply no longer held", undefined, dropped, null],
  ] as const)("%s → %s", (_, reply, connection, expected) => {
    expect(connectionChange(reply, connection)).toBe(expected);
  });
});

describe("give-up timers", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const timers = () => {
    const givenUp: string[] = [];
    return { givenUp, timers: createGiveUpTimers({ giveUpMs: 1_000, onGiveUp: (key) => givenUp.push(key) }) };
  };

  it("gives up on a reply exactly when the grace runs out", () => {
    const { givenUp, timers: t } = timers();
    t.start("c1");
    vi.advanceTimersByTime(999);
    expect(givenUp).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(givenUp).toEqual(["c1"]);
    vi.advanceTimersByTime(10_000);
    expect(givenUp).toEqual(["c1"]);
  });

  it("does not restart the countdown when the connection drops again while counting", () => {
    const { givenUp, timers: t } = timers();
    t.start("c1");
    vi.advanceTimersByTime(600);
    t.start("c1");
    vi.advanceTimersByTime(400);
    expect(givenUp).toEqual(["c1"]);
  });

  it("never gives up on a reply whose connection came back", () => {
    const { givenUp, timers: t } = timers();
    t.start("c1");
    vi.advanceTimersByTime(900);
    t.cancel("c1");
    vi.advanceTimersByTime(10_000);
    expect(givenUp).toEqual([]);
    // A later drop counts from the start again.
    t.start("c1");
    vi.advanceTimersByTime(999);
    expect(givenUp).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(givenUp).toEqual(["c1"]);
  });

  it("follows a reply to its new key with the time it had left", () => {
    const { givenUp, timers: t } = timers();
    t.start("new");
    t.start("c9");
    vi.advanceTimersByTime(700);
    t.move("new", "c9");
    vi.advanceTimersByTime(299);
    expect(givenUp).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(givenUp).toEqual(["c9"]);
    vi.advanceTimersByTime(10_000);
    expect(givenUp).toEqual(["c9"]);
  });

  it("cancels every countdown at once", () => {
    const { givenUp, timers: t } = timers();
    t.start("c1");
    t.start("c2");
    t.cancelAll();
    vi.advanceTimersByTime(10_000);
    expect(givenUp).toEqual([]);
  });
});
