import { describe, expect, it } from "vitest";
import { costMicros, defaultPrices, modelPrice } from "../model-catalog.js";
import { createUsageMeter } from "./usage-meter.js";

/** Counts whitespace-separated words: predictable numbers. */
const words = { count: (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0) };

describe("model prices", () => {
  it.each([
    ["gpt-4o-mini", defaultPrices["gpt-4o-mini"]],
    ["gpt-4o-mini-2024-07-18", defaultPrices["gpt-4o-mini"]], // the longest family wins, not gpt-4o
    ["gpt-4o-2024-08-06", defaultPrices["gpt-4o"]],
    ["o3-mini", defaultPrices["o3-mini"]],
    ["llama3.1", { input: 0, output: 0 }], // unknown models cost 0
    ["gpt-4oo", { input: 0, output: 0 }], // a prefix must end at a dash
  ])("%s", (model, price) => {
    expect(modelPrice(model)).toEqual(price);
  });

  it("takes overrides first, by the same matching", () => {
    const overrides = { "gpt-4o": { input: 1, output: 2 }, "llama3.1": { input: 0.01, output: 0.02 } };
    expect(modelPrice("gpt-4o-2024-08-06", overrides)).toEqual({ input: 1, output: 2 });
    expect(modelPrice("gpt-4o-mini", overrides)).toEqual(defaultPrices["gpt-4o-mini"]);
    expect(modelPrice("llama3.1", overrides)).toEqual({ input: 0.01, output: 0.02 });
  });

  it("prices in micro-USD: USD per 1M tokens is micro-USD per token, rounded per reply", () => {
    expect(costMicros({ input: 0.15, output: 0.6 }, 1_000_000, 0)).toBe(150_000);
    expect(costMicros({ input: 0.15, output: 0.6 }, 1_000, 100)).toBe(210);
    expect(costMicros({ input: 0.15, output: 0.6 }, 3, 1)).toBe(1); // 1.05
  });
});

describe("the usage meter", () => {
  const meter = createUsageMeter(words, { m: { input: 1, output: 10 } });
  const facts = { model: "m", reported: null, promptTokens: 100, text: "", accepted: true };

  it("stores the provider's figure when it came", () => {
    const reported = { promptTokens: 90, completionTokens: 5, totalTokens: 95 };
    expect(meter.measure({ ...facts, reported, text: "one two" })).toEqual({
      ...reported,
      source: "provider",
      costMicros: 140,
    });
  });

  it("estimates without it: the fitted prompt plus the tokens of the text produced", () => {
    expect(meter.measure({ ...facts, text: "one two three" })).toEqual({
      promptTokens: 100,
      completionTokens: 3,
      totalTokens: 103,
      source: "estimate",
      costMicros: 130,
    });
    expect(meter.measure({ ...facts, text: "one two three", textTokens: 7 }).completionTokens).toBe(7);
  });

  it("bills the prompt of an accepted request that produced nothing, and nothing for a refused one", () => {
    expect(meter.measure(facts)).toMatchObject({ promptTokens: 100, completionTokens: 0, costMicros: 100 });
    expect(meter.measure({ ...facts, accepted: false })).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      source: "estimate",
      costMicros: 0,
    });
  });
});
