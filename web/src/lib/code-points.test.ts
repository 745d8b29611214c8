import { describe, expect, it } from "vitest";
import { codePointLength, dropCodePoints } from "./code-points";

describe("code points", () => {
  it("count an emoji or a CJK character as one, as the service does", () => {
    expect(codePointLength("")).toBe(0);
    expect(codePointLength("abc")).toBe(3);
    expect(codePointLength("🚀x")).toBe(2);
    expect("🚀x".length).toBe(3);
    expect(codePointLength("日本語")).toBe(3);
  });

  it("drop whole code points, never half a surrogate pair", () => {
    expect(dropCodePoints("🚀🌍!", 1)).toBe("🌍!");
    expect(dropCodePoints("abc", 0)).toBe("abc");
    expect(dropCodePoints("abc", 5)).toBe("");
  });
});
