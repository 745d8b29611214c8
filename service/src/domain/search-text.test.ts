import { describe, expect, it } from "vitest";
import { buildSnippet, foldText, searchGrams, spreadGrams } from "./search-text.js";

const render = (text: string, query: string) =>
  buildSnippet(text, foldText(query).text)
    .map((s) => (s.highlight ? `[${s.text}]` : s.text))
    .join("");

describe("foldText", () => {
  it.each([
    ["Hello  World", "hello world"],
    ["  trim\n\tme  ", "trim me"],
    ["ＡＢＣ１２３", "abc123"],
    ["ﬁle", "file"],
    ["東京タワー", "東京タワー"],
    ["ｶﾀｶﾅ", "カタカナ"],
    ["😀 Émoji", "😀 émoji"],
  ])("folds %j to %j", (input, folded) => {
    expect(foldText(input).text).toBe(folded);
  });

  it("maps every folded unit back to the character it came from", () => {
    const folded = foldText("Aﬁ😀b");
    expect(folded.text).toBe("afi😀b");
    expect(folded.starts).toEqual([0, 1, 1, 2, 2, 4]);
    expect(folded.ends).toEqual([1, 2, 2, 4, 4, 5]);
  });
});

describe("searchGrams", () => {
  it("keys each distinct pair of neighbouring characters once", () => {
    expect(searchGrams("abab")).toHaveLength(2);
    expect(searchGrams("a")).toEqual([]);
    expect(searchGrams("東京")).toEqual([(0x6771 << 16) | 0x4eac]);
    expect(searchGrams("😀😃")).toHaveLength(1);
  });

  it("spreads a long query's grams, keeping its first and last", () => {
    const grams = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(spreadGrams(grams, 4)).toEqual([1, 4, 7, 10]);
    expect(spreadGrams([1, 2], 4)).toEqual([1, 2]);
  });
});

describe("buildSnippet", () => {
  it("highlights every occurrence, in the stored text's own case and width", () => {
    expect(render("Tokyo and TOKYO and ＴＯＫＹＯ", "tokyo")).toBe("[Tokyo] and [TOKYO] and [ＴＯＫＹＯ]");
  });

  it("cuts long text around the first occurrence, on whole characters", () => {
    const text = `${"😀".repeat(100)} needle ${"x".repeat(300)}`;
    const snippet = render(text, "needle");
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet).toContain(" [needle] ");
    expect(snippet.includes("\ud83d…")).toBe(false);
    expect([...snippet.slice(1)][0]).toBe("😀");
  });

  it("shows the start of the text when the query is no longer in it", () => {
    expect(render("short text", "absent")).toBe("short text");
  });

  it("handles a long run of one character (indexOf is at worst text × the bounded query)", () => {
    const text = "a".repeat(50_000);
    expect(render(text, "a".repeat(200) + "b")).toBe(`${"a".repeat(160)}…`);
  });
});
