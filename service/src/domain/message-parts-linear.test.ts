/**
 * The splitter against adversarial text: long runs of every character class it looks at, checked for its
 * properties at small limits and at WhatsApp's, compared with the regex splitter it replaced (kept below as
 * the oracle, on inputs short enough for its quadratic time), and fed inputs that used to take seconds
 * to minutes (these assert outputs, not time: before the rewrite they did not return within the test
 * timeout).
 */
import { describe, expect, it } from "vitest";
import { splitIntoParts, whatsAppMaxLength } from "./message-parts.js";
import { isWhitespace } from "./whitespace.js";

/** mulberry32: a tiny seeded PRNG, so each run generates the same texts and a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The classes of characters a cut depends on, each repeated into runs. */
const classes: readonly (readonly string[])[] = [
  [" "],
  ["\n"],
  [" ", "\t", "\n", "\r\n", "\u00a0", "\u3000"],
  [")", "]", '"', "'", "”", "’"],
  [".", "!", "?", "…"],
  ["。", "！", "？", "你", "好"],
  ["😀", "👍🏽", "👨‍👩‍👧", "🇧🇷", "e\u0301"],
  ["a", "b", "longword"],
  ["```\n", "\n```ts\n", "code", "x = 1;"],
];

/** A text of `runs` runs, each of one class and up to `maxRun` pieces long. */
function adversarialText(next: () => number, runs: number, maxRun: number): string {
  let text = "";
  for (let r = 0; r < runs; r++) {
    const pieces = classes[Math.floor(next() * classes.length)]!;
    const length = 1 + Math.floor(next() ** 3 * maxRun); // mostly short runs, some very long
    for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
  }
  return text;
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Whether these lines leave a ``` block open (the rule WhatsApp renders and the splitter follows). */
function leavesBlockOpen(text: string): boolean {
  let open = false;
  for (const line of text.split("\n")) {
    if (open ? /^\s*`{3,}\s*$/.test(line) : /^\s*`{3,}[^`]*$/.test(line)) open = !open;
  }
  return open;
}

/**
 * What is wrong with these parts of `text`, or undefined. The parts are non-empty, within the limit, free
 * of outer whitespace and halves of surrogate pairs; none but the last leaves a ``` block open (limits of
 * 20 and more); and they are the text's characters, in order, with only whitespace dropped between them
 * and at both ends (and bare ``` fences added or dropped where blocks are closed at cuts). Checked without
 * `expect` per part, which would be the slowest thing here.
 */
function flawOf(text: string, parts: string[], limit: number): string | undefined {
  const blocks = limit >= 20 && /^[^\S\n]*`{3,}[^`]*$/m.test(text);
  let position = 0;
  for (const [i, part] of parts.entries()) {
    if (part.length === 0 || part.length > limit) return `part ${i} has length ${part.length}`;
    if (part !== part.trim()) return `part ${i} has outer whitespace`;
    if (isLow(part.charCodeAt(0)) || isHigh(part.charCodeAt(part.length - 1)))
      return `part ${i} splits a pair`;
    if (blocks && i < parts.length - 1 && leavesBlockOpen(part)) return `part ${i} leaves a block open`;
    if (blocks) continue;
    while (isWhitespace(text.charCodeAt(position))) position++;
    if (!text.startsWith(part, position)) return `part ${i} is not the text at ${position}`;
    position += part.length;
  }
  if (!blocks) return text.slice(position).trim() === "" ? undefined : "text left over";
  const content = (s: string) => s.replace(/[\s`]+/g, "");
  return parts.map(content).join("") === content(text) ? undefined : "content differs";
}

function expectSoundParts(text: string, parts: string[], limit: number): void {
  const flaw = flawOf(text, parts, limit);
  if (flaw) expect.fail(`${flaw}: ${JSON.stringify({ limit, text: text.slice(0, 500) })}`);
}

describe("splitIntoParts, on runs of every character class", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("keeps its properties (seed %i)", (seed) => {
    const next = random(seed);
    for (let round = 0; round < 40; round++) {
      const text = adversarialText(next, 1 + Math.floor(next() * 30), 400);
      for (const limit of [2, 7, 20, 61, whatsAppMaxLength]) {
        expectSoundParts(text, splitIntoParts(text, limit), limit);
      }
    }
  });

  it.each([11, 12, 13, 14])("cuts exactly where the regex splitter did (seed %i)", (seed) => {
    const next = random(seed);
    for (let round = 0; round < 150; round++) {
      const text = adversarialText(next, 1 + Math.floor(next() * 20), 40);
      for (const limit of [2, 5, 16, 40, 120]) {
        expect(splitIntoParts(text, limit), JSON.stringify({ text, limit })).toEqual(
          regexSplitIntoParts(text, limit),
        );
      }
    }
  });

  it("knows whitespace as JavaScript does", () => {
    const differ: number[] = [];
    for (let code = 0; code < 0x10000; code++) {
      if (isWhitespace(code) !== /\s/.test(String.fromCharCode(code))) differ.push(code);
    }
    expect(differ).toEqual([]);
  });
});

describe("splitIntoParts, on inputs that were quadratic", () => {
  const words = "word ".repeat(400).trim(); // 1999 characters: longer than one part

  it("drops 100 000 spaces between two words", () => {
    const text = `${words}${" ".repeat(100_000)}${words}`;
    expect(splitIntoParts(text)).toEqual([...splitIntoParts(words), ...splitIntoParts(words)]);
  });

  it("drops 100 000 line breaks between two paragraphs", () => {
    expect(splitIntoParts(`${words}\n${"\n".repeat(100_000)}end`)).toEqual([...splitIntoParts(words), "end"]);
  });

  it("drops 100 000 mixed blanks around a sentence end", () => {
    const text = `${words}.${" \t\u00a0\r".repeat(25_000)}${words}`;
    expect(splitIntoParts(text)).toEqual([...splitIntoParts(`${words}.`), ...splitIntoParts(words)]);
  });

  it("cuts 100 000 closing brackets after a stop into whole parts", () => {
    const text = `a.${")".repeat(100_000)} b`;
    const parts = splitIntoParts(text);
    expect(parts).toHaveLength(Math.ceil(text.length / whatsAppMaxLength));
    expect(parts.slice(0, -1).every((part) => part.length === whatsAppMaxLength)).toBe(true);
    expect(parts.join("")).toBe(text);
  });

  it("cuts 100 000 characters without any space into parts of exactly the limit", () => {
    const parts = splitIntoParts("x".repeat(100_000));
    expect(parts.slice(0, -1).every((part) => part.length === whatsAppMaxLength)).toBe(true);
    expect(parts.join("")).toBe("x".repeat(100_000));
  });

  it("cuts 50 000 emoji between surrogate pairs only", () => {
    const parts = splitIntoParts("😀".repeat(50_000));
    expect(parts.slice(0, -1).every((part) => part.length === whatsAppMaxLength)).toBe(true);
    expect(parts.join("")).toBe("😀".repeat(50_000));
  });

  it("keeps a code block of 100 000 spaces and text closed at every cut", () => {
    const text = `\`\`\`\n${"x ".repeat(2000)}${" ".repeat(100_000)}y\n\`\`\``;
    const parts = splitIntoParts(text);
    expectSoundParts(text, parts, whatsAppMaxLength);
    expect(parts.every((part) => part.startsWith("```\n") && part.endsWith("\n```"))).toBe(true);
  });
});

// The regex splitter this module had until the rewrite, as the oracle for ordinary inputs (quadratic in
// the length of a run of whitespace or closers, so only short texts are given to it).
const separatorLevels: readonly RegExp[] = [
  /[^\S\n]*\n[^\S\n]*\n\s*/g,
  /[^\S\n]*\n\s*/g,
  /(?<=[.!?…]["'”’)\]]*)\s+|(?<=[。！？])\s*/g,
  /\s+/g,
];
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const fenceOpening = /^[^\S\n]*`{3,}[^`]*$/;
const fenceClosing = /^[^\S\n]*`{3,}[^\S\n]*$/;

function regexSplitIntoParts(text: string, maxLength: number): string[] {
  const whole = text.trim();
  if (whole.length <= maxLength) return whole ? [whole] : [];
  const hasBlocks = whole.split("\n").some((line) => fenceOpening.test(line));
  if (!hasBlocks || maxLength < 20) return regexCut(whole, maxLength);
  return closeBlocks(regexCut(whole, maxLength - 8));
}

function regexCut(whole: string, maxLength: number): string[] {
  const parts: string[] = [];
  let rest = whole;
  while (rest.length > maxLength) {
    const [end, next] = regexSeparatorCut(rest, maxLength) ?? regexHardCut(rest, maxLength);
    parts.push(rest.slice(0, end));
    rest = rest.slice(next);
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

function closeBlocks(parts: string[]): string[] {
  const closed: string[] = [];
  let open = false;
  parts.forEach((part, i) => {
    const lines = part.split("\n");
    if (open && fenceClosing.test(lines[0] ?? "")) lines.shift();
    else if (open) lines.unshift("```");
    let openedAt = -1;
    lines.forEach((line, j) => {
      if (openedAt < 0 && fenceOpening.test(line)) openedAt = j;
      else if (openedAt >= 0 && fenceClosing.test(line)) openedAt = -1;
    });
    open = openedAt >= 0 && i < parts.length - 1;
    if (open && openedAt === lines.length - 1 && fenceClosing.test(lines[openedAt] ?? "")) lines.pop();
    else if (open) lines.push("```");
    const body = lines.join("\n").trim();
    if (body) closed.push(body);
  });
  return closed;
}

function regexSeparatorCut(text: string, maxLength: number): [number, number] | undefined {
  for (const separators of separatorLevels) {
    let best: RegExpExecArray | undefined;
    for (const match of text.matchAll(separators)) {
      if (match.index > maxLength) break;
      if (match.index > 0) best = match as RegExpExecArray;
    }
    if (best) return [best.index, best.index + best[0].length];
  }
  return undefined;
}

function regexHardCut(text: string, maxLength: number): [number, number] {
  let end = 0;
  for (const { index } of graphemes.segment(text.slice(0, maxLength + 2))) {
    if (index > maxLength) break;
    end = index;
  }
  if (end === 0) end = isHigh(text.charCodeAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return [end, end];
}
