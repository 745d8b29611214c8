/** setChatInstructions: the user gives a chat instructions of its own, or takes them back. */
import type { Chat } from "../../domain/chat.js";
import type { ContextLimits } from "../../domain/context-window.js";
import { chatNotFound, invalidArgument } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import { countInstructions, defaultInstructionsBounds } from "./instructions-rules.js";

export interface SetChatInstructionsInput {
  userId: string;
  chatId: string;
  /** undefined or null: back to the service's default; "": no system prompt; else these. */
  instructions?: string | null | undefined;
}

export async function setChatInstructions(
  deps: ChatUseCaseDeps,
  input: SetChatInstructionsInput,
): Promise<Chat> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const counted = countedOrDefault(deps, input.instructions);
  const chat = await deps.repository.setChatInstructions(userId, chatId, counted, deps.clock.now());
  if (!chat) throw chatNotFound(chatId);
  return chat;
}

/**
 * The instructions checked and counted, or null for the service's default. Counted in the default
 * model's encoding (what stored counts are in: see send-message's systemPromptFor); bounded by `limits`,
 * the chat's model's window (the default model's when not known here).
 */
export function countedOrDefault(
  deps: ChatUseCaseDeps,
  instructions: string | null | undefined,
  limits: ContextLimits = deps.settings.limits,
) {
  if (instructions === null || instructions === undefined) return null;
  const bounds = deps.settings.instructions ?? defaultInstructionsBounds;
  return countInstructions(instructions, bounds, limits, deps.tokenCounter);
}

/** A new chat's own instructions, checked and counted; refused on an existing chat. */
export function newChatInstructions(
  deps: ChatUseCaseDeps,
  existingChatId: string | null,
  instructions: string | null | undefined,
  limits: ContextLimits,
) {
  if (instructions === undefined || instructions === null) return {};
  if (existingChatId !== null)
    throw invalidArgument("instructions are for a new chat only: use SetChatInstructions for this one");
  const counted = countedOrDefault(deps, instructions, limits);
  return counted && { instructions: counted.text, instructionsTokens: counted.tokens };
}
