/**
 * getChat: open one of the user's chats — a page of its messages (the latest first), and for the first
 * page how full the context window was at the latest reply.
 */
import type { Chat, Message } from "../../domain/chat.js";
import { chatNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { pageSize, requireId, requireUserId } from "../input-rules.js";
import { limitsOf } from "../models/chat-models.js";
import { systemPromptTokensOf } from "../instructions/instructions-rules.js";
import type { ContextStats } from "../replies/reply-events.js";
import type { Page } from "./chat-repository.js";
import type { PageRequest } from "./list-chats.js";

export type GetChatInput = { userId: string; chatId: string } & PageRequest;

export async function getChat(
  deps: ChatUseCaseDeps,
  input: GetChatInput,
): Promise<{ chat: Chat; messages: Page<Message>; context: ContextStats | null }> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  const firstPage = !input.pageToken;
  const messages = await deps.repository.listMessages(
    chatId,
    pageSize(input.pageSize, 50, 200),
    input.pageToken || null,
  );
  const promptTokens = await latestPromptTokens(deps, chatId, firstPage ? messages : null);
  if (promptTokens === null) return { chat, messages, context: null };
  const { contextWindow, maxOutputTokens } = limitsOf(deps, chat.model);
  // How many messages that prompt left out is only known while sending (the `started` event).
  const context = {
    tokensUsed: promptTokens,
    contextWindow,
    maxOutputTokens,
    messagesLeftOut: 0,
    systemPromptTokens: systemPromptTokensOf(deps.settings, chat),
  };
  return { chat, messages, context };
}

/** How many of a chat's latest messages GetChat searches for a reply with usage: never a whole long chat. */
const usageLookback = 50;
const beyondNewest = 2 ** 32;

/**
 * The provider-reported prompt tokens of the latest reply that has usage, among the chat's latest
 * `usageLookback` messages; null when none has. The first page, when that is what was read, is searched
 * first and the repository is asked only for what it does not cover.
 */
async function latestPromptTokens(
  deps: ChatUseCaseDeps,
  chatId: string,
  firstPage: Page<Message> | null,
): Promise<number | null> {
  let searched = 0;
  let beforeSeq = beyondNewest;
  if (firstPage) {
    const newestFirst = firstPage.items.toReversed().slice(0, usageLookback);
    const found = promptTokensOf(newestFirst);
    if (found !== null) return found;
    if (firstPage.nextCursor === null) return null;
    searched = newestFirst.length;
    beforeSeq = newestFirst.at(-1)?.seq ?? beyondNewest;
  }
  if (searched >= usageLookback) return null;
  const remaining = usageLookback - searched;
  const older: Message[] = [];
  for await (const message of deps.repository.messagesNewestFirst(chatId, beforeSeq, remaining)) {
    older.push(message);
    if (older.length >= remaining) break;
  }
  return promptTokensOf(older);
}

const promptTokensOf = (newestFirst: Message[]): number | null =>
  newestFirst.find((m) => m.role === "assistant" && m.usage)?.usage?.promptTokens ?? null;
