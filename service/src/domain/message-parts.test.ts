import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitIntoParts, whatsAppMaxLength } from "./message-parts.js";

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The parts are the text's characters, in order, with only whitespace dropped between them (and at both
 * ends). Returns each cut: the whitespace dropped there and where in `text` the next part starts.
 */
function cutsOf(text: string, parts: string[]): { separator: string; at: number }[] {
  const cuts: { separator: string; at: number }[] = [];
  let position = 0;
  for (const part of parts) {
    const separator = /^\s*/.exec(text.slice(position))![0];
    position += separator.length;
    expect(text.startsWith(part, position), `part ${JSON.stringify(part)} at ${position}`).toBe(true);
    cuts.push({ separator, at: position });
    position += part.length;
  }
  expect(text.slice(position).trim()).toBe("");
  return cuts.slice(1);
}

describe("splitIntoParts", () => {
  it.each([
    ["a text that fits is one part", "Hello there.", 20, ["Hello there."]],
    ["blank text is no part", "  \n\t ", 20, []],
    ["outer whitespace goes", "  Hi!\n", 20, ["Hi!"]],
    ["a paragraph break wins over sentences", "One. Two.\n\nThree four.", 20, ["One. Two.", "Three four."]],
    [
      "paragraphs are packed while they fit",
      "Aa.\n\nBb.\n\nCc dd ee ff.",
      10,
      ["Aa.\n\nBb.", "Cc dd ee", "ff."],
    ],
    ["then a line break", "First line here\nsecond line", 20, ["First line here", "second line"]],
    ["then a sentence end", "It works. Really well indeed", 20, ["It works.", "Really well indeed"]],
    [
      "closing quotes stay with the sentence",
      'He said "go." Then left now',
      16,
      ['He said "go."', "Then left now"],
    ],
    [
      "a full-width stop ends a sentence without a space",
      "你好世界。今天天气很好。",
      8,
      ["你好世界。", "今天天气很好。"],
    ],
    ["then any whitespace", "alpha beta gamma delta", 12, ["alpha beta", "gamma delta"]],
    ["a word longer than the limit is cut", "abcdefghij klm", 4, ["abcd", "efgh", "ij", "klm"]],
    ["never inside a surrogate pair", "ab😀cd", 3, ["ab", "😀c", "d"]],
    ["never inside a grapheme cluster", "a👍🏽b", 4, ["a", "👍🏽", "b"]],
    ["a flag stays whole", "🇧🇷🇧🇷🇧🇷", 6, ["🇧🇷", "🇧🇷", "🇧🇷"]],
    ["flags are packed while they fit", "🇧🇷🇧🇷🇧🇷", 9, ["🇧🇷🇧🇷", "🇧🇷"]],
  ])("%s", (_, text, limit, expected) => {
    expect(splitIntoParts(text, limit)).toEqual(expected);
  });

  it("splits a 4000-character answer into three parts at paragraph ends, in order", () => {
    const paragraph = (n: number) => `Paragraph ${n}. ${"word ".repeat(95).trim()}.`; // ~490 characters
    const text = Array.from({ length: 8 }, (_, i) => paragraph(i + 1)).join("\n\n");
    expect(text.length).toBeGreaterThan(3900);
    const parts = splitIntoParts(text);
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(whatsAppMaxLength);
      expect(part).toMatch(/^Paragraph \d+\./);
      expect(part).toMatch(/\.$/);
    }
    expect(parts.join("\n\n")).toBe(text);
  });

  it("cuts a grapheme cluster longer than the limit at a code point boundary", () => {
    const zalgo = `a${"\u0301".repeat(10)}`;
    expect(splitIntoParts(zalgo, 4)).toEqual(["a\u0301\u0301\u0301", "\u0301".repeat(4), "\u0301".repeat(3)]);
  });

  it("refuses a limit that cannot hold a surrogate pair", () => {
    expect(() => splitIntoParts("abc", 1)).toThrow(RangeError);
  });
});

// Text made of the things that matter at a cut: words, spaces, line breaks, sentence ends, CJK, emoji
// (surrogate pairs, skin tones, ZWJ sequences, flags), combining marks and lone long words.
const piece = fc.constantFrom(
  "word",
  "a",
  "longerwordwithoutspaces",
  " ",
  "  ",
  "\n",
  "\n\n",
  "\r\n",
  "\t",
  ". ",
  "! ",
  "?\n",
  '." ',
  "。",
  "你好",
  "😀",
  "👍🏽",
  "👨‍👩‍👧",
  "🇧🇷",
  "e\u0301",
  "\u00a0",
);
const textArbitrary = fc.oneof(
  fc.array(piece, { maxLength: 120 }).map((pieces) => pieces.join("")),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
);

describe("splitIntoParts, for any text", () => {
  it("keeps every part within the limit, non-blank, unpadded, whole surrogate pairs, in order", () => {
    fc.assert(
      fc.property(textArbitrary, fc.integer({ min: 2, max: 40 }), (text, limit) => {
        const parts = splitIntoParts(text, limit);
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          expect(part.length).toBeLessThanOrEqual(limit);
          expect(part).toBe(part.trim());
          expect(isLow(part.charCodeAt(0))).toBe(false);
          expect(isHigh(part.charCodeAt(part.length - 1))).toBe(false);
        }
        cutsOf(text, parts);
      }),
      { numRuns: 2000 },
    );
  });

  it("is one part whenever the text fits, and cuts a word only when it is longer than the limit", () => {
    fc.assert(
      fc.property(textArbitrary, fc.integer({ min: 2, max: 40 }), (text, limit) => {
        const parts = splitIntoParts(text, limit);
        if (text.trim().length <= limit) expect(parts.length).toBeLessThanOrEqual(1);
        for (const { separator, at } of cutsOf(text, parts)) {
          if (separator !== "" || /[。！？]$/.test(text.slice(0, at))) continue;
          // Cut inside a word: the word around the cut, in the text, is longer than the limit.
          const word = /\S*$/.exec(text.slice(0, at))![0] + /^\S*/.exec(text.slice(at))![0];
          expect(word.length).toBeGreaterThan(limit);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("holds at the real limit on long answers", () => {
    const longText = fc.array(piece, { minLength: 400, maxLength: 1500 }).map((pieces) => pieces.join(""));
    fc.assert(
      fc.property(longText, (text) => {
        const parts = splitIntoParts(text);
        for (const part of parts) expect(part.length).toBeLessThanOrEqual(whatsAppMaxLength);
        cutsOf(text, parts);
      }),
      { numRuns: 100 },
    );
  });
});
