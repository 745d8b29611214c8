/** renameChat: the user gives a chat a title of their own. */
import type { Chat } from "../../domain/chat.js";
import { chatNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireTitle, requireUserId } from "../input-rules.js";

export interface RenameChatInput {
  userId: string;
  chatId: string;
  title: string;
}

export async function renameChat(deps: ChatUseCaseDeps, input: RenameChatInput): Promise<Chat> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const title = requireTitle(input.title);
  const chat = await deps.repository.renameChat(userId, chatId, title, deps.clock.now());
  if (!chat) throw chatNotFound(chatId);
  return chat;
}
