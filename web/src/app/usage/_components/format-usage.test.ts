import { describe, expect, it } from "vitest";
import {
  againstLimit,
  compactTokens,
  formatCost,
  formatDay,
  formatReset,
  formatTokens,
} from "./format-usage";

describe("usage figures in words", () => {
  it("formats tokens, small and large costs with their currency, and axis labels", () => {
    expect(formatTokens(100_000, "en-GB")).toBe("100,000");
    expect(formatCost(0, "USD", "en-US")).toBe("$0.00");
    expect(formatCost(12_300, "USD", "en-US")).toBe("$0.0123");
    expect(formatCost(4_500_000, "USD", "en-US")).toBe("$4.50");
    expect(formatCost(4_500_000, "EUR", "de-DE")).toBe("4,50\u00a0€");
    expect(compactTokens(1_234, "en-GB")).toBe("1.2k");
  });

  it("names a UTC day without shifting it to the local zone", () => {
    expect(formatDay("2026-12-03", "en-GB")).toBe("3 Dec");
    expect(formatDay("2026-12-03", "en-GB", true)).toBe("Thursday, 3 December 2026");
  });

  it("says 'No limit' for a limit of 0, else the limit and what is left", () => {
    const format = (value: number) => formatTokens(value, "en-GB");
    expect(againstLimit(0, 0, format)).toEqual({ limited: false, text: "No limit", share: 0 });
    expect(againstLimit(100_000, 87_655, format)).toEqual({
      limited: true,
      text: "of 100,000 · 87,655 left",
      share: 0.12345,
    });
    // Over the limit (a reply that ran past it): nothing left, the bar full.
    expect(againstLimit(100, 0, format)).toMatchObject({ text: "of 100 · 0 left", share: 1 });
  });

  it("says when a limit resets in the person's own zone", () => {
    expect(formatReset(null)).toBeNull();
    expect(formatReset("2026-12-04T00:00:00Z", { timeZone: "Europe/Berlin", locale: "en-GB" })).toBe(
      "Resets at 01:00 on 4 Dec",
    );
  });
});
