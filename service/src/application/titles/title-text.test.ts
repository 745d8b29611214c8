import { describe, expect, it } from "vitest";
import {
  maxGeneratedTitleLength,
  sanitizeTitle,
  titleRequestMarker,
  titleRequestMessages,
} from "./title-text.js";

describe("sanitizeTitle", () => {
  it.each([
    ["Trip to Lisbon", "Trip to Lisbon"],
    ['"Trip to Lisbon"', "Trip to Lisbon"],
    ["“Voyage à Lisbonne.”", "Voyage à Lisbonne"],
    ["Title: Trip to Lisbon.", "Trip to Lisbon"],
    ["**Trip to Lisbon**", "Trip to Lisbon"],
    ["# Trip to Lisbon", "Trip to Lisbon"],
    ["\n\n  Trip   to\tLisbon  \nSecond line", "Trip to Lisbon"],
    ["「東京旅行」", "東京旅行"],
    ["Is it safe?", "Is it safe?"],
    ["Trip\u0000to\u202eLisbon", "Trip to Lisbon"],
  ])("%j → %j", (raw, title) => {
    expect(sanitizeTitle(raw)).toBe(title);
  });

  it.each(["", "   \n  ", '""', "Title:", "...", "**"])("%j leaves nothing: null", (raw) => {
    expect(sanitizeTitle(raw)).toBeNull();
  });

  it(`cuts a long title at a word, to at most ${maxGeneratedTitleLength} characters`, () => {
    const title = sanitizeTitle("word ".repeat(40))!;
    expect([...title].length).toBeLessThanOrEqual(maxGeneratedTitleLength + 1);
    expect(title).toBe(`${"word ".repeat(16).trim()}…`);
  });
});

describe("titleRequestMessages", () => {
  it("quotes the exchange, bounded, and ends with the request", () => {
    const [system, user] = titleRequestMessages("q".repeat(5_000), "The answer.");
    expect(system?.role).toBe("system");
    expect(user?.content).toBe(
      `User: ${"q".repeat(1_500)}\n\nAssistant: The answer.\n\n${titleRequestMarker}, in the conversation's language. Answer with the title only.`,
    );
  });
});
