import { describe, expect, it } from "vitest";
import { createCounterStore, entryOverheadBytes } from "./counter-store";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe("the counter store", () => {
  it("counts in fixed windows and forgets a window once it ends", () => {
    const time = clock();
    const store = createCounterStore({ maxBytes: 1024 * 1024, now: time.now });
    expect(store.increment("a", 10)).toEqual({ count: 1, resetAt: 1_010_000 });
    expect(store.increment("a", 10).count).toBe(2);
    store.decrement("a");
    expect(store.peek("a")?.count).toBe(1);
    time.advance(10_000);
    expect(store.peek("a")).toBeUndefined();
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it("lets better-auth's limit through up to max, then says how long to wait", async () => {
    const time = clock();
    const store = createCounterStore({ maxBytes: 1024 * 1024, now: time.now });
    const rule = { window: 60, max: 3 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await store.consume("1.2.3.4|/sign-in/email", rule));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    time.advance(15_000);
    expect(await store.consume("1.2.3.4|/sign-in/email", rule)).toEqual({ allowed: false, retryAfter: 45 });
    time.advance(45_000);
    expect((await store.consume("1.2.3.4|/sign-in/email", rule)).allowed).toBe(true);
  });

  it("accounts every entry's bytes and stays within its bound under a flood of long keys", () => {
    const maxBytes = 64 * 1024;
    const store = createCounterStore({ maxBytes, now: clock().now });
    store.increment("abc", 300);
    expect(store.bytes).toBe(3 * 2 + entryOverheadBytes);
    for (let i = 0; i < 10_000; i++) store.increment(`${i}-${"x".repeat(250)}`, 300);
    expect(store.bytes).toBeLessThanOrEqual(maxBytes);
    expect(store.bytes).toBeGreaterThan(maxBytes - 700);
    // The newest entries are kept; the oldest were forgotten.
    expect(store.peek(`9999-${"x".repeat(250)}`)?.count).toBe(1);
    expect(store.peek("abc")).toBeUndefined();
  });

  it("stores a key longer than the limit as its hash: a 1 MB key costs what a short one does", () => {
    const store = createCounterStore({ maxBytes: 64 * 1024, now: clock().now });
    const huge = "y".repeat(1024 * 1024);
    expect(store.increment(huge, 300).count).toBe(1);
    expect(store.increment(huge, 300).count).toBe(2);
    expect(store.bytes).toBe("sha256:".length * 2 + 64 * 2 + entryOverheadBytes);
  });

  it("drops expired windows before forgetting live ones", () => {
    const time = clock();
    const store = createCounterStore({ maxBytes: 10 * (2 + entryOverheadBytes), now: time.now });
    store.increment("k", 600);
    for (let i = 0; i < 9; i++) store.increment(String(i), 1);
    time.advance(1_000);
    store.increment("n", 600);
    expect(store.peek("k")?.count).toBe(1);
    expect(store.size).toBe(2);
  });
});
