import { TRPCClientError } from "@trpc/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ReplyEvent } from "~/lib/chat-types";
import type { TrpcClient } from "~/trpc/client";
import { autoRetryDelayMs, LiveReplyStore } from "./live-reply-store";
import { newChatKey } from "./reduce-live-replies";
import { reconnectGiveUpMs } from "./reply-connection-policy";

interface Handlers {
  onData(value: { id: string; data: ReplyEvent }): void;
  onError(error: unknown): void;
  onComplete(): void;
  onConnectionStateChange(state: { state: string; error: unknown }): void;
}

/** A subscription the test drives: what the store asked for, and whether it let go. */
interface FakeSubscription {
  procedure: "send" | "watch" | "regenerate" | "edit";
  input: unknown;
  handlers: Handlers;
  unsubscribed: boolean;
}

function fakeClient() {
  const subscriptions: FakeSubscription[] = [];
  const subscribe = (procedure: FakeSubscription["procedure"]) => (input: unknown, handlers: Handlers) => {
    const subscription: FakeSubscription = { procedure, input, handlers, unsubscribed: false };
    subscriptions.push(subscription);
    return { unsubscribe: () => void (subscription.unsubscribed = true) };
  };
  const stops: unknown[] = [];
  const client = {
    chat: {
      send: { subscribe: subscribe("send") },
      watch: { subscribe: subscribe("watch") },
      regenerate: { subscribe: subscribe("regenerate") },
      edit: { subscribe: subscribe("edit") },
      stop: { mutate: async (input: unknown) => void stops.push(input) },
    },
  } as unknown as TrpcClient;
  return { client, subscriptions, stops };
}

const started = (chatId: string): ReplyEvent => ({
  type: "started",
  chatId,
  replyId: "r1",
  userMessageId: "u1",
  model: "m",
  context: null,
});
/** `started` of another reply (a regenerated answer, an edit's). */
const startedAs = (chatId: string, replyId: string): ReplyEvent => ({
  type: "started",
  chatId,
  replyId,
  userMessageId: "u1",
  model: "m",
  context: null,
});
const delta = (text: string, offset: number): ReplyEvent => ({ type: "delta", text, offset });
const data = (event: ReplyEvent) => ({ id: "ignored", data: event });
const dropped = { state: "connecting", error: new Error("network down") };

let fake: ReturnType<typeof fakeClient>;
let store: LiveReplyStore;

beforeEach(() => {
  fake = fakeClient();
  store = new LiveReplyStore(fake.client);
});

describe("LiveReplyStore", () => {
  it("streams a new chat's reply, moves it to the chat's id, and tells its listeners", () => {
    const startedChats: string[] = [];
    const finished: string[] = [];
    store.onStarted((chatId) => startedChats.push(chatId));
    store.onFinished((reply) => finished.push(`${reply.key}:${reply.status}:${reply.content}`));

    store.send(null, "Hello");
    const [subscription] = fake.subscriptions;
    expect(subscription).toMatchObject({ procedure: "send", input: { chatId: null, text: "Hello" } });
    subscription!.handlers.onData(data(started("c1")));
    subscription!.handlers.onData(data(delta("Hi 🚀", 0)));
    subscription!.handlers.onData(
      data({ type: "finished", status: "complete", finishReason: "", length: 4 }),
    );

    expect(store.get("new")).toBeUndefined();
    expect(store.get("c1")).toMatchObject({ content: "Hi 🚀", length: 4, phase: "done" });
    expect(startedChats).toEqual(["c1"]);
    expect(finished).toEqual(["c1:complete:Hi 🚀"]);
    // The server ended the stream itself; late callbacks change nothing.
    subscription!.handlers.onComplete();
    expect(store.get("c1")?.phase).toBe("done");
  });

  it("retries a send once, with its request id, when a dropped stream fails before a `started`", () => {
    vi.useFakeTimers();
    try {
      store.send("c1", "Hello");
      const [first] = fake.subscriptions;
      const { requestId } = first!.input as { requestId: string };
      expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      first!.handlers.onConnectionStateChange(dropped);
      expect(first!.unsubscribed).toBe(true);
      // No failure shown: the one automatic retry comes after a short pause, with the same id.
      expect(store.get("c1")?.phase).toBe("sending");
      vi.advanceTimersByTime(autoRetryDelayMs - 1);
      expect(fake.subscriptions).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(fake.subscriptions[1]).toMatchObject({
        procedure: "send",
        input: { chatId: "c1", text: "Hello", requestId },
      });

      // A second network failure is shown, and "Send again" still sends the same request.
      fake.subscriptions[1]!.handlers.onError(new TRPCClientError("fetch failed"));
      expect(store.get("c1")).toMatchObject({ phase: "failed", failedBeforeStart: true });
      vi.advanceTimersByTime(autoRetryDelayMs * 10);
      expect(fake.subscriptions).toHaveLength(2);
      store.retry("c1");
      expect(fake.subscriptions[2]!.input).toEqual({ chatId: "c1", text: "Hello", requestId });

      // A new message is a new request.
      fake.subscriptions[2]!.handlers.onData(data(started("c1")));
      fake.subscriptions[2]!.handlers.onData(
        data({ type: "finished", status: "complete", finishReason: "", length: 0 }),
      );
      store.send("c1", "Hello");
      expect((fake.subscriptions[3]!.input as { requestId: string }).requestId).not.toBe(requestId);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not retry by itself what the BFF refused, and cancels a pending retry on forget", () => {
    vi.useFakeTimers();
    try {
      store.send("c1", "Hello");
      fake.subscriptions[0]!.handlers.onError(new Error("boom"));
      expect(store.get("c1")?.phase).toBe("failed");
      store.send("c2", "Hello");
      fake.subscriptions[1]!.handlers.onConnectionStateChange(dropped);
      store.forget("c2");
      vi.advanceTimersByTime(autoRetryDelayMs * 2);
      expect(fake.subscriptions).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  describe("with fake timers", () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it("waits for a dropped stream to come back, gives up after the grace, and resumes from its text", () => {
      store.send("c1", "Hello");
      const [subscription] = fake.subscriptions;
      subscription!.handlers.onData(data(started("c1")));
      subscription!.handlers.onData(data(delta("Hello 🚀", 0)));

      subscription!.handlers.onConnectionStateChange(dropped);
      expect(store.get("c1")?.phase).toBe("reconnecting");
      subscription!.handlers.onConnectionStateChange({ state: "pending", error: null });
      expect(store.get("c1")?.phase).toBe("streaming");

      subscription!.handlers.onConnectionStateChange(dropped);
      vi.advanceTimersByTime(reconnectGiveUpMs - 1);
      expect(store.get("c1")?.phase).toBe("reconnecting");
      vi.advanceTimersByTime(1);
      expect(store.get("c1")).toMatchObject({
        phase: "failed",
        error: "Lost the connection to Parley while it was answering.",
      });
      expect(subscription!.unsubscribed).toBe(true);

      store.retry("c1");
      expect(fake.subscriptions[1]).toMatchObject({
        procedure: "watch",
        input: { replyId: "r1", fromOffset: 7 },
      });
      expect(store.get("c1")).toMatchObject({ phase: "streaming", error: null });
    });

    it("does not give up on a stream whose connection came back", () => {
      store.send("c1", "Hello");
      const [subscription] = fake.subscriptions;
      subscription!.handlers.onData(data(started("c1")));
      subscription!.handlers.onConnectionStateChange(dropped);
      subscription!.handlers.onConnectionStateChange({ state: "pending", error: null });
      vi.advanceTimersByTime(reconnectGiveUpMs * 2);
      expect(store.get("c1")?.phase).toBe("streaming");
    });
  });

  it("re-watches from its text when a delta skips ahead", () => {
    store.send("c1", "Hello");
    const [subscription] = fake.subscriptions;
    subscription!.handlers.onData(data(started("c1")));
    subscription!.handlers.onData(data(delta("Hello", 0)));
    subscription!.handlers.onData(data(delta("world", 9)));

    expect(subscription!.unsubscribed).toBe(true);
    expect(fake.subscriptions[1]).toMatchObject({
      procedure: "watch",
      input: { replyId: "r1", fromOffset: 5 },
    });
    expect(store.get("c1")).toMatchObject({ content: "Hello", gap: false });
  });

  it("turns a limit refusal into a limit (not a failure), and a generic error into a failure", () => {
    const refusal = new TRPCClientError("You have reached today's token limit.", {
      result: {
        error: {
          code: -32029,
          message: "You have reached today's token limit.",
          data: {
            code: "TOO_MANY_REQUESTS",
            httpStatus: 429,
            reason: "limit.daily_tokens",
            resetAt: "2026-12-04T00:00:00.000Z",
            limit: 100000,
          },
        },
      },
    });
    store.send("c1", "Hello");
    fake.subscriptions[0]!.handlers.onError(refusal);
    expect(fake.subscriptions[0]!.unsubscribed).toBe(true);
    expect(store.get("c1")).toMatchObject({
      phase: "failed",
      failedBeforeStart: true,
      error: null,
      limit: { reason: "limit.daily_tokens", resetAt: "2026-12-04T00:00:00.000Z", limit: 100000 },
    });

    store.send("c2", "Hello");
    fake.subscriptions[1]!.handlers.onError(new Error("boom"));
    expect(store.get("c2")).toMatchObject({ phase: "failed", limit: null, error: expect.any(String) });
  });

  it("sends a new chat's model and instructions, and the same again when the message is resent", () => {
    store.send(null, "Hello", { model: "simulated-gpt-4", instructions: "Answer in French." });
    const sent = { chatId: null, text: "Hello", model: "simulated-gpt-4", instructions: "Answer in French." };
    expect(fake.subscriptions[0]).toMatchObject({ procedure: "send", input: sent });
    fake.subscriptions[0]!.handlers.onError(new Error("refused"));
    store.retry(newChatKey);
    expect(fake.subscriptions[1]?.input).toEqual({ ...sent, requestId: expect.any(String) });
    expect(fake.subscriptions[1]?.input).toEqual(fake.subscriptions[0]?.input);
  });

  it("sends no instructions for a new chat on the default ones, and none at all for an existing chat", () => {
    store.send(null, "Hello", { instructions: null });
    const requestId = expect.any(String) as unknown;
    expect(fake.subscriptions[0]?.input).toEqual({ chatId: null, text: "Hello", requestId });
    store.send("c1", "Again", { model: "simulated-gpt-4", instructions: "ignored" });
    expect(fake.subscriptions[1]?.input).toEqual({ chatId: "c1", text: "Again", requestId });
  });

  it("offers a retry when a stream ends before the reply did", () => {
    store.send("c1", "Hello");
    const [subscription] = fake.subscriptions;
    subscription!.handlers.onData(data(started("c1")));
    subscription!.handlers.onComplete();
    expect(store.get("c1")).toMatchObject({
      phase: "failed",
      error: "The answer stopped arriving. Retry to pick it up again.",
      failedBeforeStart: false,
    });
  });

  it("re-attaches after a reload once, and stops a reply through the service", async () => {
    store.watch("c1", "r1", "Hel");
    store.watch("c1", "r1", "Hel");
    expect(fake.subscriptions).toHaveLength(1);
    expect(fake.subscriptions[0]).toMatchObject({
      procedure: "watch",
      input: { replyId: "r1", fromOffset: 3 },
    });

    await store.stop("c1");
    expect(fake.stops).toEqual([{ replyId: "r1" }]);
    expect(store.get("c1")?.phase).toBe("stopping");
  });

  it("closes every stream on closeAll, and forgets a reply", () => {
    store.send("c1", "Hello");
    store.send("c2", "Hello");
    store.closeAll();
    expect(fake.subscriptions.map((s) => s.unsubscribed)).toEqual([true, true]);
    store.forget("c1");
    expect(store.get("c1")).toBeUndefined();
  });

  it("regenerates and edits through their own procedures, each with a request id of its own", () => {
    store.regenerate("c1", "r1");
    expect(fake.subscriptions[0]).toMatchObject({
      procedure: "regenerate",
      input: { chatId: "c1", messageId: "r1", requestId: expect.any(String) },
    });
    expect(store.get("c1")).toMatchObject({ phase: "sending", replaces: "r1", userText: null });
    fake.subscriptions[0]!.handlers.onData(data(startedAs("c1", "r2")));
    fake.subscriptions[0]!.handlers.onData(
      data({ type: "finished", status: "complete", finishReason: "", length: 0 }),
    );

    store.edit("c1", "u1", "Hello again");
    expect(fake.subscriptions[1]).toMatchObject({
      procedure: "edit",
      input: { chatId: "c1", messageId: "u1", text: "Hello again", requestId: expect.any(String) },
    });
    expect(store.get("c1")).toMatchObject({ phase: "sending", replaces: "u1", userText: "Hello again" });
    const ids = fake.subscriptions.map(({ input }) => (input as { requestId: string }).requestId);
    expect(new Set(ids).size).toBe(2);
  });

  it("retries a regenerate or an edit once, with the same request id, after a drop before `started`", () => {
    vi.useFakeTimers();
    try {
      store.regenerate("c1", "r1");
      store.edit("c2", "u1", "Better");
      const [regenerate, edit] = fake.subscriptions;
      for (const subscription of [regenerate!, edit!]) subscription.handlers.onConnectionStateChange(dropped);
      expect([store.get("c1")?.phase, store.get("c2")?.phase]).toEqual(["sending", "sending"]);
      vi.advanceTimersByTime(autoRetryDelayMs);
      expect(fake.subscriptions.slice(2)).toMatchObject([
        { procedure: "regenerate", input: regenerate!.input },
        { procedure: "edit", input: edit!.input },
      ]);

      // The second failure is shown; "Send again" sends the same turn again, not a new message.
      fake.subscriptions[3]!.handlers.onError(new TRPCClientError("fetch failed"));
      expect(store.get("c2")).toMatchObject({ phase: "failed", failedBeforeStart: true, replaces: "u1" });
      store.retry("c2");
      expect(fake.subscriptions[4]).toMatchObject({ procedure: "edit", input: edit!.input });
    } finally {
      vi.useRealTimers();
    }
  });

  it("resumes a regenerated answer cut after `started` with a watch from its text", () => {
    store.regenerate("c1", "r1");
    const [subscription] = fake.subscriptions;
    subscription!.handlers.onData(data(startedAs("c1", "r2")));
    subscription!.handlers.onData(data(delta("Again", 0)));
    subscription!.handlers.onComplete();
    store.retry("c1");
    expect(fake.subscriptions[1]).toMatchObject({
      procedure: "watch",
      input: { replyId: "r2", fromOffset: 5 },
    });
  });
});

describe("LiveReplyStore and the chat's watch", () => {
  const startedAs = (replyId: string, userMessageId = ""): ReplyEvent => ({
    type: "started",
    chatId: "c1",
    replyId,
    userMessageId,
    model: "",
    context: null,
  });
  const finished: ReplyEvent = { type: "finished", status: "complete", finishReason: "stop", length: 5 };

  it("shows another tab's reply from the watch, telling its adoption first, and cuts a replay", () => {
    const adoptions: string[] = [];
    store.onAdopt(({ started, previous }) => {
      if (started.type === "started")
        adoptions.push(`${started.replyId} after ${previous?.replyId ?? "none"}`);
    });
    store.told("c1", startedAs("r2", "u2"));
    store.told("c1", delta("Hel", 0));
    // A reopened watch tells the reply again from its start: nothing twice.
    store.told("c1", startedAs("r2"));
    store.told("c1", delta("Hello", 0));
    expect(store.get("c1")).toMatchObject({
      replyId: "r2",
      userMessageId: "u2",
      content: "Hello",
      phase: "streaming",
    });
    store.told("c1", finished);
    expect(store.get("c1")).toMatchObject({ content: "Hello", phase: "done", status: "complete" });
    expect(adoptions).toEqual(["r2 after none"]);
    // No subscription of its own: the watch brought every event.
    expect(fake.subscriptions).toHaveLength(0);
  });

  it("does not show this tab's own reply twice, even when the watch tells it before the send does", () => {
    const adoptions: string[] = [];
    store.onAdopt(({ chatId }) => adoptions.push(chatId));
    store.send("c1", "Hello");
    const [send] = fake.subscriptions;
    store.told("c1", startedAs("r1"));
    store.told("c1", delta("Watched", 0));
    send!.handlers.onData(data(started("c1")));
    send!.handlers.onData(data(delta("Hi", 0)));
    store.told("c1", delta("Hi there", 0));
    expect(store.get("c1")).toMatchObject({ replyId: "r1", userText: "Hello", content: "Hi" });
    expect(adoptions).toEqual([]);
  });

  it("shows the other tab's reply that made this tab's send fail", () => {
    store.send("c1", "Hello");
    const [send] = fake.subscriptions;
    store.told("c1", startedAs("r2"));
    store.told("c1", delta("Theirs", 0));
    const message = "This chat is still answering.";
    const data = { code: "CONFLICT", httpStatus: 409, reason: "reply.in_progress" };
    send!.handlers.onError(
      new TRPCClientError(message, { result: { error: { code: -32009, message, data } } }),
    );
    expect(store.get("c1")).toMatchObject({
      replyId: "r2",
      content: "Theirs",
      phase: "streaming",
      error: null,
    });
    store.told("c1", delta("!", 6));
    expect(store.get("c1")?.content).toBe("Theirs!");
  });

  it("hands a shown reply to a watch of its own when the chat's watch was reopened", () => {
    store.told("c1", startedAs("r2"));
    store.told("c1", delta("Hel", 0));
    store.caughtUp("c1");
    expect(fake.subscriptions).toEqual([
      expect.objectContaining({ procedure: "watch", input: { replyId: "r2", fromOffset: 3 } }),
    ]);
    // The reopened watch tells it again: its own watch streams it now.
    store.told("c1", startedAs("r2"));
    store.told("c1", delta("Hello world", 0));
    expect(store.get("c1")?.content).toBe("Hel");
    fake.subscriptions[0]!.handlers.onData(data(delta("lo", 3)));
    fake.subscriptions[0]!.handlers.onData(data(finished));
    expect(store.get("c1")).toMatchObject({ content: "Hello", phase: "done" });
  });
});
