/** The user's chats: list, open, rename, delete. Thin rules over the repository, scoped by user. */
import type { Chat, Message } from "../domain/chat.js";
import { chatNotFound } from "../domain/errors.js";
import type { ChatUseCaseDeps } from "./chat-use-case-deps.js";
import { pageSize, requireId, requireTitle, requireUserId } from "./input-rules.js";
import type { Page } from "./ports.js";

export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

export async function listChats(
  deps: ChatUseCaseDeps,
  input: { userId: string } & PageRequest,
): Promise<Page<Chat>> {
  const userId = requireUserId(input.userId);
  return deps.repository.listChats(userId, pageSize(input.pageSize, 20, 100), input.pageToken || null);
}

export async function getChat(
  deps: ChatUseCaseDeps,
  input: { userId: string; chatId: string } & PageRequest,
): Promise<{ chat: Chat; messages: Page<Message> }> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  const messages = await deps.repository.listMessages(
    chatId,
    pageSize(input.pageSize, 50, 200),
    input.pageToken || null,
  );
  return { chat, messages };
}

export async function renameChat(
  deps: ChatUseCaseDeps,
  input: { userId: string; chatId: string; title: string },
): Promise<Chat> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const title = requireTitle(input.title);
  const chat = await deps.repository.renameChat(userId, chatId, title, deps.clock.now());
  if (!chat) throw chatNotFound(chatId);
  return chat;
}

/** Deletes a chat, first stopping its live reply so nothing writes to a deleted chat. */
export async function deleteChat(
  deps: ChatUseCaseDeps,
  input: { userId: string; chatId: string },
): Promise<void> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  await deps.hub.liveReplyOfChat(chatId)?.abort("stopped");
  if (!(await deps.repository.deleteChat(userId, chatId))) throw chatNotFound(chatId);
}
