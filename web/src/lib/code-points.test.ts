import { describe, expect, it } from "vitest";
import { codePointLength, sliceFromCodePoint } from "./code-points";

describe("code points", () => {
  it("count an emoji or a CJK character as one, as the service does", () => {
    expect(codePointLength("")).toBe(0);
    expect(codePointLength("abc")).toBe(3);
    expect(codePointLength("🚀x")).toBe(2);
    expect("🚀x".length).toBe(3);
    expect(codePointLength("日本語")).toBe(3);
  });

  it("slice at whole code points, never half a surrogate pair", () => {
    expect(sliceFromCodePoint("🚀🌍!", 1)).toBe("🌍!");
    expect(sliceFromCodePoint("abc", 0)).toBe("abc");
    expect(sliceFromCodePoint("abc", 5)).toBe("");
  });
});
