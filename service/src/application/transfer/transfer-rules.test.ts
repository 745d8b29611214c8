import { describe, expect, it } from "vitest";
import { closeFences } from "./export-markdown.js";
import { createImportGate } from "./import-limits.js";

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
