import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatListChange } from "~/lib/chat-list-change";
import { followChatList, type FollowChatListDeps } from "./follow-chat-list";

type Handlers = Parameters<FollowChatListDeps["subscribe"]>[0];

function aWatch() {
  const opened: Handlers[] = [];
  const log: string[] = [];
  const stop = followChatList({
    subscribe: (handlers) => {
      opened.push(handlers);
      return { unsubscribe: () => log.push("unsubscribed") };
    },
    apply: (change: ChatListChange) => log.push(`apply ${change.type}`),
    relist: () => log.push("relist"),
    firstWaitMs: 1_000,
  });
  return { opened, log, stop };
}

describe("followChatList", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("lists again on ready and resync, applies the rest", () => {
    const watch = aWatch();
    watch.opened[0]!.onData({ type: "ready" });
    watch.opened[0]!.onData({ type: "deleted", chatId: "c1" });
    watch.opened[0]!.onData({ type: "resync" });
    expect(watch.log).toEqual(["relist", "apply deleted", "relist"]);
  });

  it("opens again after a failure, waiting longer each time until a watch is ready", () => {
    const watch = aWatch();
    watch.opened[0]!.onError(new Error("gone"));
    vi.advanceTimersByTime(999);
    expect(watch.opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(watch.opened).toHaveLength(2);
    watch.opened[1]!.onComplete();
    vi.advanceTimersByTime(1_999);
    expect(watch.opened).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(watch.opened).toHaveLength(3);
    watch.opened[2]!.onData({ type: "ready" });
    watch.opened[2]!.onError(new Error("gone again"));
    vi.advanceTimersByTime(1_000);
    expect(watch.opened).toHaveLength(4);
  });

  it("stops: unsubscribes, and a pending reopen never happens", () => {
    const watch = aWatch();
    watch.opened[0]!.onError(new Error("gone"));
    watch.stop();
    vi.advanceTimersByTime(60_000);
    expect(watch.opened).toHaveLength(1);
    expect(watch.log).toEqual(["unsubscribed"]);
  });
});
