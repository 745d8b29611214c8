import { describe, expect, it } from "vitest";
import { appendToTail, confirmUpTo, newTail } from "./reply-tails.js";

const tail = (start: number, text: string) => {
  const t = newTail(start);
  appendToTail(t, start, text);
  return t;
};

describe("appendToTail", () => {
  it.each([
    {
      what: "contiguous",
      start: 2,
      text: "ab",
      offset: 4,
      add: "c🙂",
      expected: "abc🙂",
      length: 4,
      ok: true,
    },
    {
      what: "overlapping",
      start: 2,
      text: "a🙂",
      offset: 3,
      add: "🙂d",
      expected: "a🙂d",
      length: 3,
      ok: true,
    },
    {
      what: "already held",
      start: 2,
      text: "abc",
      offset: 2,
      add: "ab",
      expected: "abc",
      length: 3,
      ok: true,
    },
    { what: "a hole", start: 2, text: "ab", offset: 5, add: "x", expected: "ab", length: 2, ok: false },
  ])("$what", ({ start, text, offset, add, expected, length, ok }) => {
    const t = tail(start, text);
    expect(appendToTail(t, offset, add)).toBe(ok);
    expect([t.start, t.text, t.length]).toEqual([start, expected, length]);
  });
});

describe("confirmUpTo", () => {
  it.each([
    { what: "part of the tail", end: 4, expected: [4, "🙂c", 2] },
    { what: "all of it", end: 6, expected: [6, "", 0] },
    { what: "beyond it (the stream has more)", end: 9, expected: [9, "", 0] },
    { what: "before its start (nothing)", end: 1, expected: [2, "a🙂🙂c", 4] },
  ])("$what", ({ end, expected }) => {
    const t = tail(2, "a🙂🙂c");
    confirmUpTo(t, end);
    expect([t.start, t.text, t.length]).toEqual(expected);
  });
});
