/**
 * editMessage: a new version of one of the user's earlier messages, beside it under the same parent, with
 * its own reply (see turn.ts). What followed the old version stays on its branch.
 */
import { messageNotEditable } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireMessageText, requireUserId } from "../input-rules.js";
import { requireChatMessage } from "./chat-message.js";
import { startReply, turnRequestOf } from "./turn.js";

export interface EditMessageInput {
  chatId: string;
  userId: string;
  /** The user message to edit. */
  messageId: string;
  text: string;
  model?: string | undefined;
  requestId?: string | undefined;
  signal?: AbortSignal | undefined;
}

export async function editMessage(deps: ChatUseCaseDeps, input: EditMessageInput) {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const messageId = requireId(input.messageId, "message_id");
  const text = requireMessageText(input.text, deps.settings.maxMessageBytes);
  const request = turnRequestOf(input.requestId, "edit", [
    chatId,
    messageId,
    input.text,
    input.model || null,
  ]);
  // A stored message never changes (only its chat's deletion removes it, which startTurn then reports),
  // so reading it before the turn's transaction is safe.
  const edited = await requireChatMessage(deps, userId, chatId, messageId);
  if (edited.role !== "user") throw messageNotEditable(messageId);
  return startReply(deps, {
    userId,
    chatId,
    text,
    place: { kind: "branch", parentId: edited.parentId },
    model: input.model,
    request,
    signal: input.signal,
  });
}
