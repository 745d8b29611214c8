/**
 * The context-window rule ("the secret is counting tokens"). The prompt is the system prompt (always kept),
 * then the newest history that fits, then the new user message (never dropped). Each message costs its
 * content tokens plus a fixed overhead for the chat format, and the reply needs room too:
 *
 *   budget = context window − max output tokens − 3 (reply priming)
 *   each message costs its tokens + 3
 *
 * History is offered newest first and the first message that does not fit ends the window, so the
 * conversation sent is always a contiguous, most-recent slice. History is never rewritten to trim.
 */
import { DomainError } from "./errors.js";

/** Overhead per message in the chat format (OpenAI cookbook: 3 for current models). */
export const tokensPerMessage = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`: 3 tokens. */
export const replyPrimingTokens = 3;

export interface ContextLimits {
  /** The model's context window in tokens (prompt + completion). */
  contextWindow: number;
  /** Tokens reserved for the answer (`max_completion_tokens`). */
  maxOutputTokens: number;
}

/** Accumulates history newest-first until the budget is spent. Reads no further than it needs. */
export class ContextFitter {
  private remaining: number;
  private closed = false;
  /** Estimated prompt tokens: system prompt, taken history, the new message, overheads. */
  promptTokens: number;

  constructor(
    readonly limits: ContextLimits,
    systemPromptTokens: number | null,
    newMessageTokens: number,
  ) {
    const budget = limits.contextWindow - limits.maxOutputTokens - replyPrimingTokens;
    const fixed =
      (systemPromptTokens === null ? 0 : systemPromptTokens + tokensPerMessage) +
      newMessageTokens +
      tokensPerMessage;
    if (fixed > budget) {
      throw new DomainError(
        "message.exceeds_context",
        `the message needs ${fixed} tokens with the system prompt, but only ${Math.max(budget, 0)} of the ` +
          `${limits.contextWindow}-token context window are left after reserving ${limits.maxOutputTokens} for the answer; shorten it`,
        { neededTokens: fixed, availableTokens: Math.max(budget, 0), contextWindow: limits.contextWindow },
      );
    }
    this.remaining = budget - fixed;
    this.promptTokens = fixed + replyPrimingTokens;
  }

  /** Offers the next older message; returns whether it was taken. */
  offer(tokenCount: number): boolean {
    if (this.closed) return false;
    const cost = tokenCount + tokensPerMessage;
    if (cost > this.remaining) {
      this.closed = true;
      return false;
    }
    this.remaining -= cost;
    this.promptTokens += cost;
    return true;
  }
}
