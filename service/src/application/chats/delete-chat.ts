/** deleteChat: the user removes a chat and all its messages. */
import { chatNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";

export interface DeleteChatInput {
  userId: string;
  chatId: string;
}

/** Deletes a chat, first stopping its live reply so nothing writes to a deleted chat. */
export async function deleteChat(deps: ChatUseCaseDeps, input: DeleteChatInput): Promise<void> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  await deps.hub.liveReplyOfChat(userId, chatId)?.abort("stopped");
  if (!(await deps.repository.deleteChat(userId, chatId))) throw chatNotFound(chatId);
}
