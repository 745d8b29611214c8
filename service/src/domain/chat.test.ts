import { describe, expect, it } from "vitest";
import { isContextMessage, titleFrom } from "./chat.js";

describe("titleFrom", () => {
  it.each([
    ["  Hello   there \n second line", "Hello there"],
    ["", "New chat"],
    ["a".repeat(80), `${"a".repeat(60)}…`],
    ["word ".repeat(20), "word word word word word word word word word word word word…"],
    ["😀".repeat(70), `${"😀".repeat(60)}…`],
  ])("%j → %j", (text, title) => expect(titleFrom(text)).toBe(title));
});

describe("isContextMessage", () => {
  it("sends user messages and replies with text, not failed or empty replies", () => {
    expect(isContextMessage({ role: "user", status: "complete", content: "hi" })).toBe(true);
    expect(isContextMessage({ role: "assistant", status: "stopped", content: "part" })).toBe(true);
    expect(isContextMessage({ role: "assistant", status: "failed", content: "" })).toBe(false);
    expect(isContextMessage({ role: "assistant", status: "incomplete", content: "" })).toBe(false);
  });
});
