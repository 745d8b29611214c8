/** setChatInstructions: the user gives a chat instructions of its own, or takes them back. */
import type { Chat } from "../../domain/chat.js";
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

/** The instructions checked and counted, or null for the service's default. */
export function countedOrDefault(deps: ChatUseCaseDeps, instructions: string | null | undefined) {
  if (instructions === null || instructions === undefined) return null;
  const { settings } = deps;
  const bounds = settings.instructions ?? defaultInstructionsBounds;
  return countInstructions(instructions, bounds, settings.limits, deps.tokenCounter);
}

/** A new chat's own instructions, checked and counted; refused on an existing chat. */
export function newChatInstructions(
  deps: ChatUseCaseDeps,
  existingChatId: string | null,
  instructions: string | null | undefined,
) {
  if (instructions === undefined || instructions === null) return {};
  if (existingChatId !== null)
    throw invalidArgument("instructions are for a new chat only: use SetChatInstructions for this one");
  const counted = countedOrDefault(deps, instructions);
  return counted && { instructions: counted.text, instructionsTokens: counted.tokens };
}
