import { describe, expect, it } from "vitest";
import { ContextFitter } from "./context-window.js";
import { newestLeafIn, pathUp, siblingsIn } from "./message-tree.js";

/**
 * A tree written in this order (seq = position + 1):
 *
 *   u1 ─ a1 ─ u2 ─ a2 ─ u3 ─ a3
 *         │    └─ a2' (regenerated)
 *         └─ u2' (edited) ─ a2''
 *   u1' (first message edited) ─ a1'
 */
const written: [id: string, parentId: string | null][] = [
  ["u1", null],
  ["a1", "u1"],
  ["u2", "a1"],
  ["a2", "u2"],
  ["u3", "a2"],
  ["a3", "u3"],
  ["a2'", "u2"],
  ["u2'", "a1"],
  ["a2''", "u2'"],
  ["u1'", null],
  ["a1'", "u1'"],
];
const tree = written.map(([id, parentId], i) => ({ id, parentId, seq: i + 1, tokens: 10 * (i + 1) }));
const byId = new Map(tree.map((m) => [m.id, m]));
const at = (id: string) => byId.get(id)!;

describe("pathUp", () => {
  it.each([
    { from: "a3", limit: Infinity, path: ["a3", "u3", "a2", "u2", "a1", "u1"] },
    { from: "a2'", limit: Infinity, path: ["a2'", "u2", "a1", "u1"] },
    { from: "a2''", limit: Infinity, path: ["a2''", "u2'", "a1", "u1"] },
    { from: "a1'", limit: Infinity, path: ["a1'", "u1'"] },
    { from: "a3", limit: 2, path: ["a3", "u3"] },
    { from: "u1", limit: Infinity, path: ["u1"] },
    { from: "missing", limit: Infinity, path: [] },
  ])("from $from (at most $limit): $path", ({ from, limit, path }) => {
    expect(pathUp(byId, from, limit).map((m) => m.id)).toEqual(path);
  });
});

describe("siblingsIn", () => {
  it.each([
    { id: "u1", count: 2, index: 0, previousId: null, nextId: "u1'" },
    { id: "u1'", count: 2, index: 1, previousId: "u1", nextId: null },
    { id: "a1", count: 1, index: 0, previousId: null, nextId: null },
    { id: "u2", count: 2, index: 0, previousId: null, nextId: "u2'" },
    { id: "a2", count: 2, index: 0, previousId: null, nextId: "a2'" },
    { id: "a2'", count: 2, index: 1, previousId: "a2", nextId: null },
    { id: "a3", count: 1, index: 0, previousId: null, nextId: null },
  ])("$id: $index of $count", ({ id, ...siblings }) => {
    expect(siblingsIn(tree, at(id))).toEqual(siblings);
  });
});

describe("newestLeafIn", () => {
  it.each([
    { under: "u1", leaf: "a2''" }, // a1's newest child is u2' (seq 8)
    { under: "u2", leaf: "a2'" }, // a2' (seq 7) is newer than a2 (seq 4)
    { under: "a2", leaf: "a3" },
    { under: "u1'", leaf: "a1'" },
    { under: "a3", leaf: "a3" },
    { under: "missing", leaf: undefined },
  ])("under $under: $leaf", ({ under, leaf }) => {
    expect(newestLeafIn(tree, under)).toBe(leaf);
  });
});

describe("fitting the window along a branch", () => {
  // Budget: 200 - 50 - 3 = 147; the new message costs 10 + 3, so history has 134 tokens.
  const limits = { contextWindow: 200, maxOutputTokens: 50 };
  it.each([
    // Each message costs its tokens + 3; newest first until the first that does not fit.
    { leaf: "a3", taken: ["a3", "u3"] }, // 63 + 53 = 116; a2 (43) would make 159
    { leaf: "a2'", taken: ["a2'", "u2", "a1"] }, // 73 + 33 + 23 = 129; u1 (13) would make 142
    { leaf: "a1'", taken: ["a1'"] }, // 113; u1' (103) would make 216
  ])("from $leaf", ({ leaf, taken }) => {
    const fitter = new ContextFitter(limits, null, 10);
    const fitted: string[] = [];
    for (const message of pathUp(byId, leaf)) {
      if (!fitter.offer(message.tokens)) break;
      fitted.push(message.id);
    }
    expect(fitted).toEqual(taken);
  });
});
