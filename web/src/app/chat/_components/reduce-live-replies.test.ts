import { describe, expect, it } from "vitest";
import type { ReplyEvent } from "~/lib/chat-types";
import {
  newChatKey,
  reduceLiveReplies,
  type LiveReplies,
  type LiveReply,
  type LiveReplyAction,
} from "./reduce-live-replies";

const none: LiveReplies = new Map();

/** The state after `actions`, from an empty tab. */
const after = (...actions: LiveReplyAction[]): LiveReplies => actions.reduce(reduceLiveReplies, none);

const started = (chatId: string, overrides: Partial<Extract<ReplyEvent, { type: "started" }>> = {}) =>
  ({
    type: "started",
    chatId,
    replyId: "r1",
    userMessageId: "u1",
    model: "m",
    context: { tokensUsed: 12, contextWindow: 8192, maxOutputTokens: 1024, messagesLeftOut: 0 },
    ...overrides,
  }) satisfies ReplyEvent;
const delta = (text: string, offset: number): ReplyEvent => ({ type: "delta", text, offset });
const finished = (status: "complete" | "stopped", length: number): ReplyEvent => ({
  type: "finished",
  status,
  finishReason: "stop",
  length,
});
const received = (key: string, event: ReplyEvent): LiveReplyAction => ({ type: "received", key, event });

/** A reply to chat c1 that has started and shows `text`. */
const streamingIn = (text: string): LiveReplyAction[] => [
  { type: "sent", chatId: "c1", text: "Hello" },
  received("c1", started("c1")),
  received("c1", delta(text, 0)),
];

const reply = (state: LiveReplies, key = "c1"): LiveReply => {
  const found = state.get(key);
  if (!found) throw new Error(`no reply at ${key}`);
  return found;
};

describe("sending", () => {
  it("starts an empty reply in the sending phase, keyed by the chat", () => {
    expect(reply(after({ type: "sent", chatId: "c1", text: "Hello" }))).toEqual({
      key: "c1",
      chatId: "c1",
      replyId: null,
      userMessageId: null,
      userText: "Hello",
      replaces: null,
      content: "",
      length: 0,
      status: "streaming",
      phase: "sending",
      context: null,
      error: null,
      failedBeforeStart: false,
      limit: null,
      gap: false,
    });
  });

  it("keys a new chat's reply as `new` until `started` names the chat, then moves it there", () => {
    const sent = after({ type: "sent", chatId: null, text: "Hi" });
    expect([...sent.keys()]).toEqual([newChatKey]);

    const moved = reduceLiveReplies(sent, received(newChatKey, started("c9", { userMessageId: "u9" })));
    expect([...moved.keys()]).toEqual(["c9"]);
    expect(reply(moved, "c9")).toMatchObject({
      key: "c9",
      chatId: "c9",
      replyId: "r1",
      userMessageId: "u9",
      userText: "Hi",
      phase: "streaming",
      context: { tokensUsed: 12, contextWindow: 8192 },
    });
  });

  it("replaces a chat's previous reply when a new message is sent", () => {
    const state = after(...streamingIn("Old"), received("c1", finished("complete", 3)), {
      type: "sent",
      chatId: "c1",
      text: "Again",
    });
    expect(reply(state)).toMatchObject({ userText: "Again", content: "", length: 0, phase: "sending" });
  });
});

describe("text by offset", () => {
  it("appends contiguous deltas and counts code points, not UTF-16 units", () => {
    const state = after(...streamingIn("Hé"), received("c1", delta("llo 🚀", 2)));
    expect(reply(state)).toMatchObject({ content: "Héllo 🚀", length: 7 });
  });

  it("cuts the part of a delta it already has (a reconnect replaying from an earlier offset)", () => {
    const state = after(...streamingIn("Hello 🚀"), received("c1", delta("o 🚀 world", 4)));
    expect(reply(state)).toMatchObject({ content: "Hello 🚀 world", length: 13 });
  });

  it("ignores a delta it has entirely, keeping the same state object", () => {
    const before = after(...streamingIn("Hello"));
    expect(reduceLiveReplies(before, received("c1", delta("ell", 1)))).toBe(before);
  });

  it("marks a gap (a delta past the end) without taking its text", () => {
    const state = after(...streamingIn("Hello"), received("c1", delta("world", 9)));
    expect(reply(state)).toMatchObject({ content: "Hello", length: 5, gap: true });
    const resumed = reduceLiveReplies(state, { type: "resumed", key: "c1" });
    expect(reply(resumed)).toMatchObject({ gap: false, phase: "streaming" });
  });

  it("ends with the reply's status on `finished`", () => {
    const state = after(...streamingIn("Hi"), received("c1", finished("stopped", 2)));
    expect(reply(state)).toMatchObject({ status: "stopped", phase: "done", error: null });
  });

  it("ignores events for a reply it does not hold", () => {
    expect(reduceLiveReplies(none, received("c1", delta("x", 0)))).toBe(none);
  });
});

describe("re-attaching after a reload", () => {
  it("starts from the text the page shows", () => {
    const state = after({ type: "watched", chatId: "c1", replyId: "r1", content: "Hello 🚀" });
    expect(reply(state)).toMatchObject({
      key: "c1",
      replyId: "r1",
      userText: null,
      content: "Hello 🚀",
      length: 7,
      phase: "streaming",
    });
  });

  it("keeps what this tab already has of the same reply when the page shows less", () => {
    const state = after(...streamingIn("Hello world"), {
      type: "watched",
      chatId: "c1",
      replyId: "r1",
      content: "Hello",
    });
    expect(reply(state)).toMatchObject({ content: "Hello world", length: 11, userText: "Hello" });
  });

  it("takes the page's text for another reply", () => {
    const state = after(...streamingIn("Hello world"), {
      type: "watched",
      chatId: "c1",
      replyId: "r2",
      content: "Other",
    });
    expect(reply(state)).toMatchObject({ replyId: "r2", content: "Other", length: 5, userText: null });
  });
});

describe("connection", () => {
  const lost: LiveReplyAction = { type: "connection-lost", key: "c1", error: "offline" };

  it("shows reconnecting while the connection is down, and streaming once it is back", () => {
    const down = after(...streamingIn("Hi"), lost);
    expect(reply(down).phase).toBe("reconnecting");
    expect(reply(reduceLiveReplies(down, { type: "connection-restored", key: "c1" })).phase).toBe(
      "streaming",
    );
  });

  it("fails at once before `started`: a reconnect would send the message again", () => {
    const state = after({ type: "sent", chatId: "c1", text: "Hello" }, lost);
    expect(reply(state)).toMatchObject({ phase: "failed", error: "offline", failedBeforeStart: true });
  });

  it("stays stopping when the connection drops during a stop", () => {
    const state = after(...streamingIn("Hi"), { type: "stop-requested", key: "c1" }, lost);
    expect(reply(state).phase).toBe("stopping");
  });

  it("changes nothing once the reply is over", () => {
    const done = after(...streamingIn("Hi"), received("c1", finished("complete", 2)));
    expect(reduceLiveReplies(done, lost)).toBe(done);
    expect(reduceLiveReplies(done, { type: "failed", key: "c1", error: "late" })).toBe(done);
  });
});

describe("failing, retrying, stopping, forgetting", () => {
  it("fails a started reply with the reason, not as failed before start", () => {
    const state = after(...streamingIn("Hi"), { type: "failed", key: "c1", error: "cut" });
    expect(reply(state)).toMatchObject({ phase: "failed", error: "cut", failedBeforeStart: false });
  });

  it("resumes a failed reply: streaming again, the error cleared, the text kept", () => {
    const state = after(
      ...streamingIn("Hi"),
      { type: "failed", key: "c1", error: "cut" },
      { type: "resumed", key: "c1" },
    );
    expect(reply(state)).toMatchObject({ phase: "streaming", error: null, content: "Hi" });
  });

  it("goes back to streaming with a message when a stop fails; a late failure cannot reopen a done reply", () => {
    const stopping = after(...streamingIn("Hi"), { type: "stop-requested", key: "c1" });
    expect(reply(stopping).phase).toBe("stopping");
    const stopFailed: LiveReplyAction = { type: "stop-failed", key: "c1", error: "no" };
    expect(reply(reduceLiveReplies(stopping, stopFailed))).toMatchObject({ phase: "streaming", error: "no" });
    const done = reduceLiveReplies(stopping, received("c1", finished("stopped", 2)));
    expect(reduceLiveReplies(done, stopFailed)).toBe(done);
  });

  it("shows a limit refusal instead of a failure: failed before start, no error, the message kept", () => {
    const limit = {
      reason: "limit.daily_tokens",
      resetAt: "2026-12-04T00:00:00.000Z",
      limit: 100_000,
    } as const;
    const state = after({ type: "sent", chatId: "c1", text: "Hello" }, { type: "refused", key: "c1", limit });
    expect(reply(state)).toMatchObject({
      phase: "failed",
      failedBeforeStart: true,
      error: null,
      limit,
      userText: "Hello",
    });
  });

  it("keys a new chat's refusal as `new`, and a retry clears the limit", () => {
    const limit = { reason: "limit.rate", resetAt: null, limit: null } as const;
    const refused = after(
      { type: "sent", chatId: null, text: "Hi" },
      { type: "refused", key: newChatKey, limit },
    );
    expect(reply(refused, newChatKey)).toMatchObject({ phase: "failed", limit });
    expect(reply(reduceLiveReplies(refused, { type: "resumed", key: newChatKey }), newChatKey)).toMatchObject(
      {
        phase: "streaming",
        limit: null,
        error: null,
      },
    );
    // Sending again starts afresh, without the old limit.
    const resent = reduceLiveReplies(refused, { type: "sent", chatId: null, text: "Hi" });
    expect(reply(resent, newChatKey)).toMatchObject({ phase: "sending", limit: null });
  });

  it("ignores a late refusal of a reply that is over", () => {
    const done = after(...streamingIn("Hi"), received("c1", finished("complete", 2)));
    const limit = { reason: "limit.rate", resetAt: null, limit: null } as const;
    expect(reduceLiveReplies(done, { type: "refused", key: "c1", limit })).toBe(done);
  });

  it("forgets a reply", () => {
    const state = after(...streamingIn("Hi"), { type: "forgotten", key: "c1" });
    expect(state.size).toBe(0);
    expect(reduceLiveReplies(state, { type: "forgotten", key: "c1" })).toBe(state);
  });

  it("never changes the state it is given", () => {
    const before = after(...streamingIn("Hi"));
    const snapshot = structuredClone([...before]);
    reduceLiveReplies(before, received("c1", delta(" there", 2)));
    reduceLiveReplies(before, { type: "forgotten", key: "c1" });
    expect([...before]).toEqual(snapshot);
  });
});

describe("new versions (regenerate, edit)", () => {
  it("keeps what a turn replaces: a regenerate without text, an edit with its new text", () => {
    const regenerated = after({ type: "sent", chatId: "c1", text: null, replaces: "r1" });
    expect(reply(regenerated)).toMatchObject({ userText: null, replaces: "r1", phase: "sending" });
    const edited = after({ type: "sent", chatId: "c1", text: "Hello again", replaces: "u1" });
    expect(reply(edited)).toMatchObject({ userText: "Hello again", replaces: "u1", phase: "sending" });
  });

  it("streams a new version as a send streams, and a plain send after it replaces nothing", () => {
    const state = after(
      { type: "sent", chatId: "c1", text: null, replaces: "r1" },
      received("c1", started("c1", { replyId: "r2", userMessageId: "u1" })),
      received("c1", delta("Another", 0)),
      received("c1", finished("complete", 7)),
    );
    expect(reply(state)).toMatchObject({
      replyId: "r2",
      userMessageId: "u1",
      replaces: "r1",
      content: "Another",
      phase: "done",
    });
    expect(reply(reduceLiveReplies(state, { type: "sent", chatId: "c1", text: "Next" })).replaces).toBeNull();
  });

  it("keeps what a re-attached reply replaces when this tab already holds more of it", () => {
    const state = after(
      { type: "sent", chatId: "c1", text: null, replaces: "r1" },
      received("c1", started("c1", { replyId: "r2" })),
      received("c1", delta("Another", 0)),
      { type: "watched", chatId: "c1", replyId: "r2", content: "An" },
    );
    expect(reply(state)).toMatchObject({ replaces: "r1", content: "Another" });
  });
});
