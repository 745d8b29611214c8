import { describe, expect, it } from "vitest";
import { createSignedOutSessions } from "./signed-out-sessions";

describe("the signed-out sessions of this process", () => {
  it("are remembered for the cache window, then forgotten", () => {
    let time = 1_000;
    const sessions = createSignedOutSessions({ windowMs: 60_000, maxEntries: 10, now: () => time });
    sessions.add("a");
    expect(sessions.has("a")).toBe(true);
    expect(sessions.has("b")).toBe(false);
    time += 59_999;
    expect(sessions.has("a")).toBe(true);
    time += 1;
    expect(sessions.has("a")).toBe(false);
  });

  it("hold at most maxEntries tokens, forgetting the oldest", () => {
    const sessions = createSignedOutSessions({ windowMs: 60_000, maxEntries: 2, now: () => 0 });
    for (const token of ["a", "b", "c"]) sessions.add(token);
    expect(["a", "b", "c"].map((token) => sessions.has(token))).toEqual([false, true, true]);
  });
});
