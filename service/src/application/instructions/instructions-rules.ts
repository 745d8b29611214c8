/**
 * A chat's instructions: its own system prompt, in place of the service's default (SYSTEM_PROMPT). They
 * are pinned: sent whole, first, in every prompt of the chat, however long it grows. So they are bounded
 * twice: in UTF-8 bytes (checked before tokenizing, which is slow on long runs) and in tokens, never more
 * than half of what the context window leaves after the answer's reserve, so a message always has room.
 * Their tokens are counted once, when they are set, and stored beside them: sending never counts again.
 *
 * null means "the service's default"; "" means "no system prompt at all".
 */
import type { Chat } from "../../domain/chat.js";
import { replyPrimingTokens, tokensPerMessage, type ContextLimits } from "../../domain/context-window.js";
import { DomainError } from "../../domain/errors.js";
import type { TokenCounter } from "../ports.js";

/** The caps on a chat's (or a preset's) instructions. */
export interface InstructionsBounds {
  /** In UTF-8 bytes. */
  maxBytes: number;
  /** In tokens (and never more than half of the window's room: see `instructionsTokenCap`). */
  maxTokens: number;
}

export const defaultInstructionsBounds: InstructionsBounds = { maxBytes: 16_384, maxTokens: 4_000 };

/** Instructions with their token count. */
export interface CountedInstructions {
  text: string;
  tokens: number;
}

/** The system prompt a prompt sends: its text and tokens (both null: none). */
export interface SystemPrompt {
  text: string | null;
  tokens: number | null;
}

const encoder = new TextEncoder();

/**
 * The most tokens instructions may take with `limits`: the configured cap, and at most half of what
 * the window leaves after the answer's reserve and the overheads of the system and user messages.
 */
export function instructionsTokenCap(bounds: InstructionsBounds, limits: ContextLimits): number {
  const room = limits.contextWindow - limits.maxOutputTokens - replyPrimingTokens - 2 * tokensPerMessage;
  return Math.max(0, Math.min(bounds.maxTokens, Math.floor(room / 2)));
}

/**
 * Checks and counts instructions. Surrounding whitespace is dropped; blank text is "" (no system prompt).
 * Over a cap: `instructions.too_long` with the numbers.
 */
export function countInstructions(
  text: string,
  bounds: InstructionsBounds,
  limits: ContextLimits,
  tokenCounter: TokenCounter,
): CountedInstructions {
  const trimmed = text.trim();
  if (trimmed === "") return { text: "", tokens: 0 };
  const bytes = encoder.encode(trimmed).length;
  if (bytes > bounds.maxBytes) {
    throw new DomainError(
      "instructions.too_long",
      `the instructions are ${bytes} bytes (UTF-8), more than the ${bounds.maxBytes} allowed; shorten them`,
      { maxBytes: bounds.maxBytes },
    );
  }
  const tokens = tokenCounter.count(trimmed);
  const maxTokens = instructionsTokenCap(bounds, limits);
  if (tokens > maxTokens) {
    throw new DomainError(
      "instructions.too_long",
      `the instructions take ${tokens} tokens, more than the ${maxTokens} allowed (they are sent with ` +
        `every message of the ${limits.contextWindow}-token context window, which must keep room for ` +
        `the conversation and the ${limits.maxOutputTokens}-token answer); shorten them`,
      { tokens, maxTokens },
    );
  }
  return { text: trimmed, tokens };
}

/** The service's default system prompt, as configured. */
export interface DefaultSystemPrompt {
  systemPrompt: string | null;
  systemPromptTokens: number | null;
}

/**
 * The system prompt a chat sends: its own instructions (none when ""), or the service's default when it
 * has none (null). Stored counts are used; only a row without one (written by some other tool) is counted.
 */
export function systemPromptOf(
  defaults: DefaultSystemPrompt,
  chat: Pick<Chat, "instructions" | "instructionsTokens">,
  tokenCounter: TokenCounter,
): SystemPrompt {
  if (chat.instructions === null || chat.instructions === undefined) {
    return { text: defaults.systemPrompt, tokens: defaults.systemPromptTokens };
  }
  if (chat.instructions === "") return { text: null, tokens: null };
  return {
    text: chat.instructions,
    tokens: chat.instructionsTokens ?? tokenCounter.count(chat.instructions),
  };
}

/**
 * The tokens of the system prompt a chat sends (0: none), from stored counts only: a chat has its own
 * instructions exactly when their count is stored (0 for "none").
 */
export function systemPromptTokensOf(
  defaults: DefaultSystemPrompt,
  chat: Pick<Chat, "instructionsTokens">,
): number {
  return chat.instructionsTokens ?? defaults.systemPromptTokens ?? 0;
}
