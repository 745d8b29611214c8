// A watcher's queue with coalescing: deltas that pile up while the consumer is not taking them (a slow
// transport) become one delta with the first part's offset and the parts' text; the bounds (bytes, age
// from an injected clock) and contiguity decide where a merged delta ends. A consumer that keeps up, or
// a subscription with coalescing off, sees every delta as it was pushed.
import { describe, expect, it } from "vitest";
import { utf8Length, type DeltaCoalescing } from "./delta-coalescing.js";
import type { ReplyDeltaEvent, ReplyEvent } from "./reply-events.js";
import { ReplySubscription } from "./reply-subscription.js";
import { aFinished, aStarted } from "../../../test/support/reply-event-fixtures.js";

const started = aStarted;
const finished = (length: number) => aFinished(length);
const delta = (text: string, offset: number): ReplyDeltaEvent => ({ type: "delta", text, offset });

/** Deltas for `parts`, with code-point offsets as the job assigns them. */
function deltasOf(parts: string[]): ReplyDeltaEvent[] {
  let offset = 0;
  return parts.map((text) => {
    const event = delta(text, offset);
    offset += [...text].length;
    return event;
  });
}

/** A clock the test moves by hand. */
function manualClock() {
  const clock = { ms: 0, now: () => clock.ms };
  return clock;
}

function subscription(coalescing: DeltaCoalescing | null) {
  return new ReplySubscription(undefined, () => undefined, coalescing);
}

async function drain(events: AsyncIterable<ReplyEvent>): Promise<ReplyEvent[]> {
  const seen: ReplyEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const generous = (clock = manualClock()): DeltaCoalescing => ({
  maxBytes: 1_000,
  maxAgeMs: 16,
  now: clock.now,
});

describe("ReplySubscription coalescing", () => {
  it("merges deltas queued behind a consumer that is not taking them into one, offset of the first", async () => {
    const watch = subscription(generous());
    watch.push(started);
    for (const event of deltasOf(["Hel", "lo", ", ", "wörld", " 😀", "!"])) watch.push(event);
    watch.push(finished(15));

    expect(await drain(watch)).toEqual([started, delta("Hello, wörld 😀!", 0), finished(15)]);
  });

  it("keeps every delta when the consumer takes each before the next comes", async () => {
    const watch = subscription(generous());
    const iterator = watch[Symbol.asyncIterator]();
    const parts = deltasOf(["a", "b", "c"]);
    watch.push(started);
    expect((await iterator.next()).value).toEqual(started);
    for (const part of parts) {
      const next = iterator.next();
      watch.push(part);
      expect((await next).value).toBe(part);
    }
    watch.push(finished(3));
    expect((await iterator.next()).value).toEqual(finished(3));
  });

  it("with coalescing off, queues one event per delta", async () => {
    const watch = subscription(null);
    const parts = deltasOf(["Hel", "lo", "!"]);
    watch.push(started);
    for (const part of parts) watch.push(part);
    watch.push(finished(6));

    expect(await drain(watch)).toEqual([started, ...parts, finished(6)]);
  });

  it("starts a new delta once the next part would pass the byte cap (UTF-8 bytes), never splitting one", async () => {
    // "é" is 2 bytes, "😀" 4: [3+3+2 = 8] [4+3 = 7] [9: over the cap, alone, whole] [1+1].
    const parts = deltasOf(["abc", "dé", "ef", "😀", "gé", "hijklmnop", "z", "y"]);
    const watch = subscription({ ...generous(), maxBytes: 8 });
    for (const part of parts) watch.push(part);
    watch.push(finished(21));

    expect(await drain(watch)).toEqual([
      delta("abcdéef", 0),
      delta("😀gé", 7),
      delta("hijklmnop", 10),
      delta("zy", 19),
      finished(21),
    ]);
  });

  it("gathers only parts produced within maxAgeMs of a merged delta's first part", async () => {
    const clock = manualClock();
    const watch = subscription(generous(clock));
    const [a, b, c, d, e] = deltasOf(["a", "b", "c", "d", "e"]);
    watch.push(a!); // t = 0: opens a delta
    clock.ms = 10;
    watch.push(b!); // 10 ms after `a`: joins
    clock.ms = 16;
    watch.push(c!); // exactly at the bound: joins
    clock.ms = 17;
    watch.push(d!); // 17 ms after `a`: opens the next
    clock.ms = 33;
    watch.push(e!); // 16 ms after `d`: joins it
    watch.push(finished(5));

    expect(await drain(watch)).toEqual([delta("abc", 0), delta("de", 3), finished(5)]);
  });

  it("never merges across a gap in offsets, nor into started or finished", async () => {
    const watch = subscription(generous());
    watch.push(started);
    watch.push(delta("ab", 0));
    watch.push(delta("xy", 5)); // not where "ab" ends
    watch.push(delta("z", 7));
    watch.push(finished(8));

    expect(await drain(watch)).toEqual([started, delta("ab", 0), delta("xyz", 5), finished(8)]);
  });

  it("does not change the events it was given: other watchers of the same reply get them as they were", async () => {
    const slow = subscription(generous());
    const fast = subscription(generous());
    const fastEvents = fast[Symbol.asyncIterator]();
    const parts = deltasOf(["one ", "two ", "three"]);
    const copies = parts.map((part) => ({ ...part }));
    for (const part of parts) {
      const next = fastEvents.next();
      slow.push(part);
      fast.push(part);
      expect((await next).value).toBe(part);
    }
    slow.push(finished(13));

    expect(await drain(slow)).toEqual([delta("one two three", 0), finished(13)]);
    expect(parts).toEqual(copies);
  });

  it("merges into a delta whose consumer was already woken but has not run yet", async () => {
    const watch = subscription(generous());
    const iterator = watch[Symbol.asyncIterator]();
    const waiting = iterator.next(); // the consumer waits for an event
    const [a, b] = deltasOf(["a", "b"]);
    watch.push(a!); // wakes it...
    watch.push(b!); // ...and this arrives before it runs
    expect((await waiting).value).toEqual(delta("ab", 0));
  });
});

describe("utf8Length", () => {
  it.each([
    ["", 0],
    ["plain ascii", 11],
    ["é ü ß", 8],
    ["€ 中文", 10],
    ["😀🚀", 8],
    ["a\ud800b", 5], // a lone high surrogate is encoded as U+FFFD (3 bytes)
    ["\udc00", 3], // a lone low surrogate likewise
  ])("%j is %i bytes, as the encoder says", (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
    expect(new TextEncoder().encode(text).length).toBe(bytes);
  });
});

describe("ReplySubscription read without an iterator (take and listen)", () => {
  function counted(signal?: AbortSignal) {
    const closed: number[] = [];
    const watch = new ReplySubscription(signal, () => closed.push(1), null);
    return { watch, closed };
  }

  it("tells a listening reader once, after the next event is queued, and it takes that event", async () => {
    const { watch } = counted();
    expect(watch.take()).toBeNull();
    let told = 0;
    watch.listen(() => told++);
    await Promise.resolve();
    expect(told).toBe(0);
    watch.push(started);
    expect(told).toBe(0); // at the end of this turn, so later deltas may still merge
    await expect.poll(() => told).toBe(1);
    expect(watch.take()).toEqual(started);
    watch.push(delta("x", 0));
    await Promise.resolve();
    expect(told).toBe(1);
  });

  it("wakes a waiting reader once for what this turn of the event loop queued: one merged delta", async () => {
    const watch = new ReplySubscription(undefined, () => undefined, generous());
    let told = 0;
    watch.listen(() => told++);
    const [a, b, c] = deltasOf(["a", "b", "c"]);
    watch.push(a!);
    await Promise.resolve(); // the model's stream yields its next delta some microtasks later...
    watch.push(b!);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    watch.push(c!); // ...still in the same turn
    expect(told).toBe(0);
    await expect.poll(() => told).toBe(1);
    expect(watch.take()).toEqual(delta("abc", 0));
  });

  it("tells a reader that listens with an event already queued without waiting for another", async () => {
    const { watch } = counted();
    watch.push(started);
    let told = 0;
    watch.listen(() => told++);
    await expect.poll(() => told).toBe(1);
  });

  it("detaches when finished is taken, and stays over even if the caller leaves after it", () => {
    const abort = new AbortController();
    const { watch, closed } = counted(abort.signal);
    watch.push(finished(0));
    expect(watch.take()).toEqual(finished(0));
    expect(closed).toEqual([1]);
    abort.abort(new Error("left"));
    expect(watch.take()).toBeUndefined();
  });

  it("when the caller leaves: wakes the reader, detaches, gives what was queued, then throws the reason", async () => {
    const abort = new AbortController();
    const { watch, closed } = counted(abort.signal);
    watch.push(started);
    expect(watch.take()).toEqual(started);
    let told = 0;
    watch.listen(() => told++);
    abort.abort(new Error("left"));
    expect(closed).toEqual([1]);
    await expect.poll(() => told).toBe(1);
    expect(() => watch.take()).toThrow("left");
  });

  it("for await: a consumer that stops early detaches once and is handed nothing more", async () => {
    const { watch, closed } = counted();
    watch.push(started);
    watch.push(delta("a", 0));
    for await (const event of watch) if (event.type === "started") break;
    expect(closed).toEqual([1]);
    watch.push(delta("b", 1));
    await watch.return();
    expect(closed).toEqual([1]);
    expect(await drain(watch)).toEqual([]); // nothing more once it left, what was queued included
  });
});
