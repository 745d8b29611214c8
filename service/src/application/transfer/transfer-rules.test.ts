import { describe, expect, it } from "vitest";
import { closeFences } from "./export-markdown.js";
import { createImportGate } from "./import-limits.js";
import { newestLeafUnder, placeInTree } from "./import-tree.js";

describe("closeFences", () => {
  it.each([
    ["no code", "plain text", "plain text"],
    ["a closed block", "```ts\nconst x = 1;\n```", "```ts\nconst x = 1;\n```"],
    ["an open block", "```ts\nconst x = 1;", "```ts\nconst x = 1;\n```"],
    ["an open tilde block", "~~~\ncode", "~~~\ncode\n~~~"],
    ["a longer opening fence", "````\n```\ninner", "````\n```\ninner\n````"],
  ])("%s", (_name, text, expected) => {
    expect(closeFences(text)).toBe(expected);
  });
});

describe("the import gate", () => {
  it("lets the most imports in at once, refuses the next, and lets one in again after a release", () => {
    const gate = createImportGate(2);
    const first = gate.tryEnter();
    const second = gate.tryEnter();
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(gate.tryEnter()).toBeNull();
    first!();
    first!(); // a second release changes nothing
    expect(gate.tryEnter()).not.toBeNull();
    expect(gate.tryEnter()).toBeNull();
  });
});

describe("placeInTree", () => {
  const ids = ["u1", "r1", "r2", "u2", "r3"];
  it("places a path (no tree) one message after the other, the last one shown", () => {
    expect(placeInTree(null, ids)).toEqual({
      parentIds: [null, "u1", "r1", "r2", "u2"],
      depths: [1, 2, 3, 4, 5],
      activeLeafId: null,
    });
  });
  it("places a tree by parent positions, with depths along each path", () => {
    // u1 → r1, u1 → r2 (answered again), u2 (an edit of u1) → r3; r1 shown.
    const tree = { parents: [null, 0, 0, null, 3], activeLeaf: 1 };
    expect(placeInTree(tree, ids)).toEqual({
      parentIds: [null, "u1", "u1", null, "u2"],
      depths: [1, 2, 2, 1, 2],
      activeLeafId: "r1",
    });
    // The last message shown is stored as null: the newest message, as after a turn.
    expect(placeInTree({ ...tree, activeLeaf: 4 }, ids).activeLeafId).toBeNull();
  });
});

describe("newestLeafUnder", () => {
  const parents = [null, 0, 0, 2, null, 4];
  it.each([
    [0, 3], // u1's newest child is 2, whose child is 3
    [1, 1], // a leaf is its own
    [2, 3],
    [4, 5],
  ])("from %i: %i", (from, leaf) => {
    expect(newestLeafUnder(parents, from)).toBe(leaf);
  });
});
