import { describe, expect, it } from "vitest";
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { ReplySubscription } from "../../application/replies/reply-subscription.js";
import { DomainError } from "../../domain/errors.js";
import { mapReplyStream } from "./reply-stream.js";
import { aFinished, aStarted } from "../../../test/support/reply-event-fixtures.js";

const started = aStarted;
const delta: ReplyEvent = { type: "delta", text: "hi", offset: 0 };
const finished = (errorCode: "upstream.interrupted" | null) =>
  errorCode
    ? aFinished(2, { status: "incomplete", finishReason: null, error: "cut off", errorCode })
    : aFinished(2);

/** A reply's events that records what its consumer did with it. */
function events(list: ReplyEvent[]) {
  const log: string[] = [];
  const source: AsyncIterable<ReplyEvent> = {
    [Symbol.asyncIterator]() {
      let at = 0;
      return {
        next: async () => {
          log.push("next");
          return at < list.length ? { done: false, value: list[at++]! } : { done: true, value: undefined };
        },
        return: async () => {
          log.push("return");
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { source, log };
}

async function drain(stream: AsyncIterable<string>) {
  const seen: string[] = [];
  try {
    for await (const message of stream) seen.push(message);
    return { seen, error: null };
  } catch (error) {
    return { seen, error };
  }
}

describe("mapReplyStream", () => {
  it("maps every event and ends with the reply", async () => {
    const { source, log } = events([started, delta, finished(null)]);
    const { seen, error } = await drain(mapReplyStream(source, (event) => event.type));
    expect(seen).toEqual(["started", "delta", "finished"]);
    expect(error).toBeNull();
    expect(log).toEqual(["next", "next", "next", "next"]);
  });

  it("sends a reply's failed end, then closes the events and fails with its domain code", async () => {
    const { source, log } = events([started, delta, finished("upstream.interrupted"), delta]);
    const { seen, error } = await drain(mapReplyStream(source, (event) => event.type));
    expect(seen).toEqual(["started", "delta", "finished"]);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "upstream.interrupted", message: "cut off" });
    expect(log).toEqual(["next", "next", "next", "return"]);
  });

  it("closes the events when its consumer stops early", async () => {
    const { source, log } = events([started, delta, finished(null)]);
    for await (const message of mapReplyStream(source, (event) => event.type)) {
      if (message === "started") break;
    }
    expect(log).toEqual(["next", "return"]);
  });
});

/** A live reply's subscription, as the job hands it out, that counts its detaches. */
function live(options: { signal?: AbortSignal; coalesce?: boolean } = {}) {
  const closed: number[] = [];
  const subscription = new ReplySubscription(
    options.signal,
    () => closed.push(1),
    options.coalesce ? { maxBytes: 1_000, maxAgeMs: 1_000, now: () => 0 } : null,
  );
  return { subscription, closed };
}

/** Stands in for the error interceptor's mapping: tags what it maps, so a test sees it was applied. */
const tagged = (error: unknown) =>
  new Error(`mapped: ${error instanceof Error ? error.message : String(error)}`);

const text = (event: ReplyEvent) => (event.type === "delta" ? `${event.type}:${event.text}` : event.type);

describe("mapReplyStream on a live reply (read without an iterator in between)", () => {
  it("hands a delta queued while the reader waits to that reader, mapped", async () => {
    const { subscription } = live();
    const stream = mapReplyStream(subscription, text)[Symbol.asyncIterator]();
    const waiting = stream.next();
    subscription.push({ type: "delta", text: "hi", offset: 0 });
    expect(await waiting).toEqual({ done: false, value: "delta:hi" });
  });

  it("still merges deltas that arrive before the woken reader runs, offset of the first", async () => {
    const { subscription } = live({ coalesce: true });
    const stream = mapReplyStream(subscription, (event) => event)[Symbol.asyncIterator]();
    const waiting = stream.next();
    subscription.push({ type: "delta", text: "a", offset: 0 });
    subscription.push({ type: "delta", text: "b", offset: 1 });
    expect((await waiting).value).toEqual({ type: "delta", text: "ab", offset: 0 });
  });

  it("takes what is queued without waiting, in order, and ends after finished", async () => {
    const { subscription, closed } = live();
    for (const event of [started, delta, finished(null)]) subscription.push(event);
    const { seen, error } = await drain(mapReplyStream(subscription, text));
    expect(seen).toEqual(["started", "delta:hi", "finished"]);
    expect(error).toBeNull();
    expect(closed).toEqual([1]);
  });

  it("detaches once when its reader leaves mid-stream; later events go nowhere", async () => {
    const { subscription, closed } = live();
    subscription.push(started);
    const stream = mapReplyStream(subscription, text)[Symbol.asyncIterator]();
    expect((await stream.next()).value).toBe("started");
    const waiting = stream.next();
    await stream.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(closed).toEqual([1]);
    subscription.push(delta);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(closed).toEqual([1]);
  });

  it("sends a failed end, then detaches and throws its domain error through the given mapping", async () => {
    const { subscription, closed } = live();
    for (const event of [started, finished("upstream.interrupted")]) subscription.push(event);
    const { seen, error } = await drain(mapReplyStream(subscription, text, tagged));
    expect(seen).toEqual(["started", "finished"]);
    expect(error).toMatchObject({ message: "mapped: cut off" });
    expect(closed).toEqual([1]);
  });

  it("gives what was queued, then the caller's abort through the mapping, to a waiting reader", async () => {
    const abort = new AbortController();
    const { subscription, closed } = live({ signal: abort.signal });
    subscription.push(started);
    const stream = mapReplyStream(subscription, text, tagged)[Symbol.asyncIterator]();
    expect((await stream.next()).value).toBe("started");
    const waiting = stream.next();
    subscription.push(delta);
    abort.abort(new Error("caller left"));
    expect(await waiting).toEqual({ done: false, value: "delta:hi" });
    await expect(stream.next()).rejects.toThrow("mapped: caller left");
    expect(closed).toEqual([1]);
  });

  it("detaches and maps a failure of the mapping to a message", async () => {
    const { subscription, closed } = live();
    subscription.push(started);
    const failing = () => {
      throw new Error("unmappable");
    };
    const { error } = await drain(mapReplyStream(subscription, failing, tagged));
    expect(error).toMatchObject({ message: "mapped: unmappable" });
    expect(closed).toEqual([1]);
  });
});

describe("mapReplyStream that starts its reply", () => {
  it("starts it on the first read, not before", async () => {
    const { subscription } = live();
    subscription.push(started);
    let opened = 0;
    const stream = mapReplyStream(async () => {
      opened++;
      return subscription;
    }, text);
    expect(opened).toBe(0);
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: "started" });
    expect(opened).toBe(1);
  });

  it("maps a failure to start (a refused turn) like any other", async () => {
    const stream = mapReplyStream(
      () => Promise.reject(new DomainError("chat.not_found", "no chat")),
      text,
      tagged,
    );
    const { seen, error } = await drain(stream);
    expect(seen).toEqual([]);
    expect(error).toMatchObject({ message: "mapped: no chat" });
  });

  it("maps what a replayed reply's events throw, and its failed end", async () => {
    const { source, log } = events([started, finished("upstream.interrupted")]);
    const { seen, error } = await drain(mapReplyStream(async () => source, text, tagged));
    expect(seen).toEqual(["started", "finished"]);
    expect(error).toMatchObject({ message: "mapped: cut off" });
    expect(log).toEqual(["next", "next", "return"]);
  });
});
