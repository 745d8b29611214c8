import { get_encoding } from "@dqbd/tiktoken";
import { describe, expect, it } from "vitest";
import { createTiktokenTokenCounter } from "./tiktoken-token-counter.js";

const ordinaryTexts = [
  "",
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog. ".repeat(200),
  "Olá! Como você está? 😀 Ünïcödé — “quotes” and emoji 👩‍👩‍👧",
  "```ts\nconst x: number = 42;\nconsole.log(x);\n```\n".repeat(50),
  "日本語のテキストです。 中文文本。 한국어 텍스트. ".repeat(30),
  "special tokens are text: <|endoftext|> <|im_start|>",
];

describe("tiktoken token counter", () => {
  for (const encoding of ["o200k_base", "cl100k_base"] as const) {
    it(`counts ordinary text exactly like tiktoken (${encoding})`, () => {
      const counter = createTiktokenTokenCounter(encoding);
      const reference = get_encoding(encoding);
      for (const text of ordinaryTexts)
        expect(counter.count(text)).toBe(reference.encode_ordinary(text).length);
      reference.free();
    });
  }

  it("counts long runs without whitespace in bounded time, close to the exact count", () => {
    const counter = createTiktokenTokenCounter("o200k_base");
    const cjk = Array.from({ length: 4000 }, (_, i) =>
      String.fromCharCode(0x4e00 + ((i * 7919) % 20000)),
    ).join("");
    const exact = get_encoding("o200k_base").encode_ordinary(cjk).length;
    const estimate = counter.count(cjk);
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.05);
    const letters = "a".repeat(32_768);
    expect(counter.count(letters)).toBeGreaterThan(32_768 / 16);
  });

  it("counts long whitespace runs in chunks too, within a token per chunk of the exact count", () => {
    // Whitespace runs are single pre-tokens as well: 32 KB of spaces took ~1 s unchunked.
    const counter = createTiktokenTokenCounter("o200k_base");
    const reference = get_encoding("o200k_base");
    for (const text of [
      "a" + " ".repeat(8_192),
      "a" + "\n".repeat(8_192),
      "x" + " \t\n".repeat(3_000) + "y",
    ]) {
      const exact = reference.encode_ordinary(text).length;
      expect(Math.abs(counter.count(text) - exact)).toBeLessThanOrEqual(Math.ceil(text.length / 256) + 1);
    }
    reference.free();
  });

  it("never splits a surrogate pair when chunking", () => {
    const counter = createTiktokenTokenCounter("o200k_base");
    const emojiRun = "😀".repeat(2000);
    expect(counter.count(emojiRun)).toBeGreaterThan(0);
  });
});
