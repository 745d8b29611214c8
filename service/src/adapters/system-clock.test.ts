import { afterEach, describe, expect, it, vi } from "vitest";
import { uuidV7 } from "./system-clock.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("uuidV7", () => {
  it("is a version 7 UUID whose first 48 bits are the Unix milliseconds", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 6, 10, 0, 0, 123), toFake: ["Date"] });
    const id = uuidV7();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 11, 6, 10, 0, 0, 123));
  });

  it("sorts by time: an id of a later millisecond is greater", () => {
    vi.useFakeTimers({ now: 1_796_000_000_000, toFake: ["Date"] });
    const earlier = uuidV7();
    vi.setSystemTime(1_796_000_000_001);
    expect(uuidV7() > earlier).toBe(true);
  });

  it("draws 74 random bits: ids of one millisecond differ, and every random digit varies", () => {
    vi.useFakeTimers({ now: 1_796_000_000_000, toFake: ["Date"] });
    const ids = Array.from({ length: 4096 }, () => uuidV7());
    expect(new Set(ids).size).toBe(ids.length);
    // Each random hex position (and the variant's two random bits) takes more than one value.
    const randomPositions = [15, 16, 17, 19, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
    for (const position of randomPositions)
      expect(new Set(ids.map((id) => id[position])).size).toBeGreaterThan(1);
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(["8", "9", "a", "b"]));
  });
});
