/** setChatModel: the user picks another model for an existing chat, from its next message on. */
import type { Chat } from "../../domain/chat.js";
import { chatNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import { chatModelsOf, requireModel } from "../models/chat-models.js";

export interface SetChatModelInput {
  userId: string;
  chatId: string;
  model: string;
}

export async function setChatModel(deps: ChatUseCaseDeps, input: SetChatModelInput): Promise<Chat> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const model = requireModel(chatModelsOf(deps).catalog, input.model.trim());
  const chat = await deps.repository.setChatModel(userId, chatId, model.id, deps.clock.now());
  if (!chat) throw chatNotFound(chatId);
  return chat;
}
