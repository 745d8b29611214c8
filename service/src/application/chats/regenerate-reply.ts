/**
 * regenerateReply: another answer to a user message, beside its other replies (see turn.ts). Named by
 * the reply to write again, or by the user message; by default the active path's latest reply.
 */
import type { Message } from "../../domain/chat.js";
import { chatNotFound, invalidArgument } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import { requireChatMessage } from "./chat-message.js";
import { startReply, turnRequestOf } from "./turn.js";

export interface RegenerateReplyInput {
  chatId: string;
  userId: string;
  /** The reply to write again or the user message to answer again; empty/absent: the latest reply. */
  messageId?: string | undefined;
  model?: string | undefined;
  requestId?: string | undefined;
  signal?: AbortSignal | undefined;
}

export async function regenerateReply(deps: ChatUseCaseDeps, input: RegenerateReplyInput) {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const messageId = input.messageId ? requireId(input.messageId, "message_id") : null;
  const request = turnRequestOf(input.requestId, "regenerate", [chatId, messageId, input.model || null]);
  const userMessage = await answeredMessage(deps, userId, chatId, messageId);
  return startReply(deps, {
    userId,
    chatId,
    text: userMessage.content,
    place: { kind: "answer", userMessage },
    model: input.model,
    request,
    signal: input.signal,
  });
}

/** The user message the new reply answers: the named one, the named reply's, or the active leaf's. */
async function answeredMessage(
  deps: ChatUseCaseDeps,
  userId: string,
  chatId: string,
  messageId: string | null,
): Promise<Message> {
  let named = messageId === null ? await activeLeaf(deps, userId, chatId) : null;
  named ??= await requireChatMessage(deps, userId, chatId, messageId ?? "");
  if (named.role === "user" || named.parentId === null) return named;
  return requireChatMessage(deps, userId, chatId, named.parentId);
}

/** The chat's active leaf; a chat with no messages yet (an empty import) has nothing to regenerate. */
async function activeLeaf(deps: ChatUseCaseDeps, userId: string, chatId: string): Promise<Message> {
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  const page = await deps.repository.listPath(chatId, null, 1, null);
  const leaf = page?.items[0];
  if (!leaf) throw invalidArgument("the chat has no reply to regenerate yet: send a message first");
  return leaf;
}
