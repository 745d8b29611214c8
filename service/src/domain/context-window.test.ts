import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.js";
import { ContextFitter, replyPrimingTokens, tokensPerMessage, type ContextLimits } from "./context-window.js";

const history = (...tokenCounts: number[]) => tokenCounts.map((tokenCount) => ({ tokenCount }));
const perMessage = tokensPerMessage;

/** Offers history newest first until the fitter refuses; how many were taken and the prompt's size. */
function fitContext(
  limits: ContextLimits,
  systemPromptTokens: number | null,
  newMessageTokens: number,
  historyNewestFirst: Iterable<{ tokenCount: number }>,
) {
  const fitter = new ContextFitter(limits, systemPromptTokens, newMessageTokens);
  let included = 0;
  for (const message of historyNewestFirst) {
    if (!fitter.offer(message.tokenCount)) break;
    included++;
  }
  return { included, promptTokens: fitter.promptTokens };
}

describe("ContextFitter", () => {
  const cases: {
    name: string;
    window: number;
    maxOutput: number;
    system: number | null;
    message: number;
    historyNewestFirst: number[];
    included: number;
    promptTokens: number;
  }[] = [
    {
      name: "empty history: system prompt + new message + overheads",
      window: 1000,
      maxOutput: 100,
      system: 10,
      message: 20,
      historyNewestFirst: [],
      included: 0,
      promptTokens: 10 + perMessage + 20 + perMessage + replyPrimingTokens,
    },
    {
      name: "everything fits",
      window: 1000,
      maxOutput: 100,
      system: 10,
      message: 20,
      historyNewestFirst: [30, 40, 50],
      included: 3,
      promptTokens: 10 + 20 + 30 + 40 + 50 + 5 * perMessage + replyPrimingTokens,
    },
    {
      name: "oldest dropped first",
      // budget = 200 - 50 - 3 = 147; fixed = (10+3) + (20+3) = 36; left 111: 40+3, 40+3 fit (86), next 40+3 does not
      window: 200,
      maxOutput: 50,
      system: 10,
      message: 20,
      historyNewestFirst: [40, 40, 40, 1],
      included: 2,
      promptTokens: 36 + 86 + replyPrimingTokens,
    },
    {
      name: "the output reserve is kept free",
      // budget = 200 - 150 - 3 = 47; fixed 36; left 11: a 10-token message costs 13 → not taken
      window: 200,
      maxOutput: 150,
      system: 10,
      message: 20,
      historyNewestFirst: [10],
      included: 0,
      promptTokens: 36 + replyPrimingTokens,
    },
    {
      name: "per-message overhead counts: exactly fitting message is taken",
      // budget 147, fixed 36, left 111 = 108 + 3
      window: 200,
      maxOutput: 50,
      system: 10,
      message: 20,
      historyNewestFirst: [108, 0],
      included: 1,
      promptTokens: 147 + replyPrimingTokens,
    },
    {
      name: "a big message ends the window even if older ones are small (contiguous history)",
      window: 200,
      maxOutput: 50,
      system: 10,
      message: 20,
      historyNewestFirst: [5, 500, 5],
      included: 1,
      promptTokens: 36 + 8 + replyPrimingTokens,
    },
    {
      name: "no system prompt",
      window: 100,
      maxOutput: 10,
      system: null,
      message: 20,
      historyNewestFirst: [60, 1],
      included: 1,
      promptTokens: 23 + 63 + replyPrimingTokens,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const fit = fitContext(
        { contextWindow: c.window, maxOutputTokens: c.maxOutput },
        c.system,
        c.message,
        history(...c.historyNewestFirst),
      );
      expect({ included: fit.included, promptTokens: fit.promptTokens }).toEqual({
        included: c.included,
        promptTokens: c.promptTokens,
      });
      expect(fit.promptTokens + c.maxOutput).toBeLessThanOrEqual(c.window);
    });
  }

  it("rejects a message that cannot fit even alone, with the numbers", () => {
    const attempt = () => fitContext({ contextWindow: 100, maxOutputTokens: 50 }, 10, 40, []);
    expect(attempt).toThrow(DomainError);
    try {
      attempt();
    } catch (error) {
      expect((error as DomainError).code).toBe("message.exceeds_context");
      expect((error as DomainError).details).toEqual({
        neededTokens: 56,
        availableTokens: 47,
        contextWindow: 100,
      });
      expect((error as DomainError).message).toMatch(/56 tokens/);
    }
  });

  it("never reads further than needed", () => {
    let read = 0;
    function* endless() {
      for (;;) {
        read++;
        yield { tokenCount: 10 };
      }
    }
    fitContext({ contextWindow: 200, maxOutputTokens: 50 }, 10, 20, endless());
    expect(read).toBe(9); // 8 fit (8 × 13 = 104 ≤ 111), the 9th does not
  });
});
