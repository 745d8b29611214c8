import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatSummary } from "~/lib/chat-types";
import type { ChatWatchEvent } from "~/lib/chat-watch-event";
import { followChat } from "./follow-chat";
import type { SubscriptionHandlers } from "./keep-subscribed";

const aChat = (title: string, updatedAt: string): ChatSummary => ({
  id: "c1",
  title,
  model: "gpt-4o-mini",
  customInstructions: false,
  instructionsTokens: 0,
  titleSource: "user",
  createdAt: "2026-12-04T10:00:00.000Z",
  updatedAt,
});
const rendered = "2026-12-04T10:00:00.000Z";
const later = "2026-12-04T10:05:00.000Z";

function aWatch() {
  const opened: SubscriptionHandlers<ChatWatchEvent>[] = [];
  const log: string[] = [];
  const stop = followChat({
    chatId: "c1",
    subscribe: (handlers) => {
      opened.push(handlers);
      return { unsubscribe: () => log.push("unsubscribed") };
    },
    store: {
      told: (chatId, event) => void log.push(`told ${chatId} ${event.type}`),
      caughtUp: (chatId) => void log.push(`caught up ${chatId}`),
    },
    changedAt: rendered,
    show: (chat) => log.push(`show ${chat.title}`),
    readChat: () => log.push("read chat"),
    pathChanged: () => log.push("path changed"),
    leave: () => log.push("leave"),
    firstWaitMs: 1_000,
  });
  const send = (event: ChatWatchEvent) => opened.at(-1)!.onData(event);
  return { opened, log, stop, send };
}

describe("followChat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows the chat, reads it only when it changed since the page knew it, and tells replies to the store", () => {
    const watch = aWatch();
    watch.send({ type: "ready", chat: aChat("Picnic", rendered) });
    watch.send({ type: "reply", event: { type: "delta", text: "Hi", offset: 0 } });
    watch.send({ type: "changed", chat: aChat("Sunday picnic", later) });
    expect(watch.log).toEqual(["show Picnic", "told c1 delta", "show Sunday picnic"]);
  });

  it("shows the path anew when another tab or device switches the chat's version", () => {
    const watch = aWatch();
    watch.send({ type: "ready", chat: aChat("Picnic", rendered) });
    watch.send({ type: "branch", leafId: "a1" });
    expect(watch.log).toEqual(["show Picnic", "path changed"]);
  });

  it("reads the chat when it changed before the watch listened", () => {
    const watch = aWatch();
    watch.send({ type: "ready", chat: aChat("Picnic", later) });
    expect(watch.log).toEqual(["read chat", "show Picnic"]);
  });

  it("catches up after a reopen: the shown reply first, then the chat if it changed while the watch was down", () => {
    const watch = aWatch();
    watch.send({ type: "ready", chat: aChat("Picnic", rendered) });
    watch.opened[0]!.onError(new Error("gone"));
    vi.advanceTimersByTime(1_000);
    expect(watch.opened).toHaveLength(2);
    watch.send({ type: "ready", chat: aChat("Picnic", rendered) });
    watch.opened[1]!.onComplete();
    vi.advanceTimersByTime(1_000);
    watch.send({ type: "ready", chat: aChat("Picnic", later) });
    expect(watch.log).toEqual([
      "show Picnic",
      "caught up c1",
      "show Picnic",
      "caught up c1",
      "read chat",
      "show Picnic",
    ]);
  });

  it("leaves when the chat is deleted, and does not open the watch again", () => {
    const watch = aWatch();
    watch.send({ type: "ready", chat: aChat("Picnic", rendered) });
    watch.send({ type: "deleted", chatId: "c1" });
    watch.opened[0]!.onComplete();
    vi.advanceTimersByTime(60_000);
    expect(watch.opened).toHaveLength(1);
    expect(watch.log).toEqual(["show Picnic", "leave"]);
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
