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

  it.each([
    [
      "a cut inside a code block closes it and reopens it in the next part",
      "Intro line.\n\n```\nline one\n\nline two\n\nline three\n```\n\nOutro.",
      30,
      ["Intro line.", "```\nline one\n\nline two\n```", "```\nline three\n```\n\nOutro."],
    ],
    [
      "a cut inside a line of code too",
      "Here:\n```\nabc def ghi jkl mno pqr stu\n```",
      20,
      ["Here:", "```\nabc def ghi\n```", "```\njkl mno pqr\n```", "```\nstu\n```"],
    ],
    [
      "a block that fits a part is kept whole",
      "Some prose text here, and more\n```ts\nabc\n```",
      20,
      ["Some prose", "text here,", "and more", "```ts\nabc\n```"],
    ],
    [
      "a part never ends with an opening fence",
      "prose\n```\nxxxxxxxxxxxxxxxxxx\n```",
      30,
      ["prose", "```\nxxxxxxxxxxxxxxxxxx\n```"],
    ],
    [
      "a part never starts with the block's closing fence",
      "```\nxxxxxxxxxxxxxxxxxx\n```\nafter",
      30,
      ["```\nxxxxxxxxxxxxxxxxxx\n```", "after"],
    ],
    ["a text that fits keeps its blocks as they are", "```\nopen", 20, ["```\nopen"]],
    ["inline monospace is no block", "```a``` bbb ccc ddd eee fff", 20, ["```a``` bbb ccc ddd", "eee fff"]],
    [
      "a limit too short for fences leaves them alone",
      "```\nabc def ghi\n```",
      12,
      ["```", "abc def ghi", "```"],
    ],
  ])("%s", (_, text, limit, expected) => {
    expect(splitIntoParts(text, limit)).toEqual(expected);
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

/** Whether these lines leave a ``` block open (the rule WhatsApp renders and the splitter follows). */
function leavesBlockOpen(text: string): boolean {
  let open = false;
  for (const line of text.split("\n")) {
    if (open ? /^\s*`{3,}\s*$/.test(line) : /^\s*`{3,}[^`]*$/.test(line)) open = !open;
  }
  return open;
}

/** What a reader sees apart from fences and whitespace, which the splitter may add or drop. */
const contentOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => !/^\s*`{3,}[^`]*$/.test(line))
    .join("")
    .replace(/\s+/g, "");

describe("splitIntoParts, for any text with code blocks", () => {
  const codePiece = fc.constantFrom(
    "\n```\n",
    "\n```ts\n",
    "code",
    "x = 1;",
    " ",
    "\n",
    "\n\n",
    "word",
    ". ",
    "😀",
  );
  const codeText = fc.array(codePiece, { maxLength: 120 }).map((pieces) => pieces.join(""));

  it("closes a block at every cut inside it, reopens it after, and keeps every part within the limit", () => {
    fc.assert(
      fc.property(codeText, fc.integer({ min: 20, max: 60 }), (text, limit) => {
        const parts = splitIntoParts(text, limit);
        parts.forEach((part, i) => {
          expect(part.length).toBeLessThanOrEqual(limit);
          expect(part.length).toBeGreaterThan(0);
          expect(part).toBe(part.trim());
          if (i < parts.length - 1) expect(leavesBlockOpen(part), part).toBe(false);
        });
        if (parts.length > 0) expect(leavesBlockOpen(parts.at(-1)!)).toBe(leavesBlockOpen(text.trim()));
        expect(parts.map(contentOf).join("")).toBe(contentOf(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("holds at the real limit on long answers", () => {
    const longCode = fc
      .array(codePiece, { minLength: 600, maxLength: 1500 })
      .map((pieces) => pieces.join(""));
    fc.assert(
      fc.property(longCode, (text) => {
        const parts = splitIntoParts(text);
        parts.forEach((part, i) => {
          expect(part.length).toBeLessThanOrEqual(whatsAppMaxLength);
          if (i < parts.length - 1) expect(leavesBlockOpen(part)).toBe(false);
        });
        expect(parts.map(contentOf).join("")).toBe(contentOf(text));
      }),
      { numRuns: 100 },
    );
  });
});
