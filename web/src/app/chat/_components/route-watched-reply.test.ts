import { describe, expect, it } from "vitest";
import type { ReplyEvent } from "~/lib/chat-types";
import type { LiveReply } from "./reduce-live-replies";
import { routeWatchedReply, settleHeld, type WatchedReplyRoute } from "./route-watched-reply";

const aReply = (fields: Partial<LiveReply>): LiveReply => ({
  key: "c1",
  chatId: "c1",
  replyId: "r1",
  userMessageId: "u1",
  userText: null,
  replaces: null,
  content: "",
  length: 0,
  status: "streaming",
  phase: "streaming",
  context: null,
  error: null,
  failedBeforeStart: false,
  limit: null,
  gap: false,
  ...fields,
});
const started = (replyId: string): ReplyEvent => ({
  type: "started",
  chatId: "c1",
  replyId,
  userMessageId: "",
  model: "",
  context: null,
});
const delta: ReplyEvent = { type: "delta", text: "Hi", offset: 0 };

const sending = aReply({ replyId: null, userMessageId: null, userText: "Hello", phase: "sending" });
const ownLive = aReply({ userText: "Hello" });
const ownDone = aReply({ userText: "Hello", phase: "done", status: "complete" });
const unsent = aReply({ replyId: null, phase: "failed", failedBeforeStart: true });
const adoptedLive = aReply({ replyId: "r2" });

describe("routeWatchedReply", () => {
  const cases: [string, LiveReply | undefined, string | null, boolean, ReplyEvent, WatchedReplyRoute][] = [
    ["a reply when the chat shows none", undefined, null, false, started("r2"), "adopt"],
    ["this tab's own reply, streaming", ownLive, null, false, started("r1"), "own"],
    ["this tab's own reply, already finished", ownDone, null, false, started("r1"), "own"],
    ["its deltas", ownLive, null, false, delta, "ignore"],
    ["a new reply after this tab's finished one", ownDone, null, false, started("r2"), "adopt"],
    ["a reply while this tab's send has not started", sending, null, false, started("r2"), "hold"],
    ["the held reply's deltas", sending, null, true, delta, "hold"],
    ["a reply after this tab's send failed to go", unsent, null, false, started("r2"), "adopt"],
    ["the adopted reply told again by a reopened watch", adoptedLive, "r2", false, started("r2"), "follow"],
    ["the adopted reply's deltas", adoptedLive, "r2", false, delta, "follow"],
    [
      "deltas of an adopted reply let go (handed to its own watch)",
      adoptedLive,
      null,
      false,
      delta,
      "ignore",
    ],
    ["an adopted reply's deltas after this tab sent its own", sending, "r2", false, delta, "ignore"],
  ];
  it.each(cases)("%s", (_, live, adopted, holding, event, route) => {
    expect(routeWatchedReply({ live, adopted, holding }, event)).toBe(route);
  });
});

describe("settleHeld", () => {
  const cases: [string, LiveReply | undefined, "wait" | "drop" | "adopt"][] = [
    ["this tab's send has not started yet", sending, "wait"],
    ["the held reply is this tab's own", ownLive, "drop"],
    ["this tab's own finished already", ownDone, "drop"],
    ["this tab's own is another reply, live", aReply({ replyId: "r9" }), "drop"],
    ["this tab's send failed (another tab's reply made it fail)", unsent, "adopt"],
    ["this tab's send was let go", undefined, "adopt"],
  ];
  it.each(cases)("%s", (_, live, verdict) => {
    expect(settleHeld(live, "r1")).toBe(verdict);
  });
});
