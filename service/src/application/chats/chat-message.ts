/** Finding a message the caller named in one of their chats, with the right error when it is not there. */
import type { Message } from "../../domain/chat.js";
import { chatNotFound, messageNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";

/** The message, or `chat.not_found` (no such chat for this user) / `message.not_found` (not in it). */
export async function requireChatMessage(
  deps: Pick<ChatUseCaseDeps, "repository">,
  userId: string,
  chatId: string,
  messageId: string,
): Promise<Message> {
  const message = await deps.repository.findMessage(userId, chatId, messageId);
  if (message) return message;
  throw await missingMessageError(deps, userId, chatId, messageId);
}

/**
 * The error for a message the repository did not find in the user's chat: which of the two is missing
 * (read only on the way to an error).
 */
export async function missingMessageError(
  deps: Pick<ChatUseCaseDeps, "repository">,
  userId: string,
  chatId: string,
  messageId: string,
): Promise<Error> {
  return (await deps.repository.findChat(userId, chatId)) ? messageNotFound(messageId) : chatNotFound(chatId);
}
