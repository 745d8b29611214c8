/**
 * setActiveBranch: show another path of a chat. The active leaf becomes the newest message under the one
 * named, stored with the chat (every device shows it, the next message continues it), and the chat's
 * watchers are told.
 */
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import { missingMessageError } from "./chat-message.js";

export interface SetActiveBranchInput {
  chatId: string;
  userId: string;
  /** Any message of the chat: the path through it becomes the active one. */
  messageId: string;
}

export async function setActiveBranch(deps: ChatUseCaseDeps, input: SetActiveBranchInput) {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const messageId = requireId(input.messageId, "message_id");
  const chosen = await deps.repository.setActiveBranch(userId, chatId, messageId);
  if (!chosen) throw await missingMessageError(deps, userId, chatId, messageId);
  return chosen;
}
