/**
 * getChat: open one of the user's chats — a page of its active path (or of the path to a message the
 * caller names; the latest messages first), and how full the context window was at the latest reply.
 */
import type { Chat, Message } from "../../domain/chat.js";
import { chatNotFound, messageNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { pageSize, requireId, requireUserId } from "../input-rules.js";
import { limitsOf } from "../models/chat-models.js";
import { systemPromptTokensOf } from "../instructions/instructions-rules.js";
import type { ContextStats } from "../replies/reply-events.js";
import type { PathPage } from "./chat-repository.js";
import type { PageRequest } from "./list-chats.js";

export type GetChatInput = {
  userId: string;
  chatId: string;
  /** The path to this message instead of the active one; empty/absent: the active path. */
  leafId?: string | undefined;
} & PageRequest;

export async function getChat(
  deps: ChatUseCaseDeps,
  input: GetChatInput,
): Promise<{ chat: Chat; messages: PathPage; context: ContextStats | null }> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const leafId = input.leafId ? requireId(input.leafId, "leaf_id") : null;
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  const firstPage = !input.pageToken;
  const messages = await deps.repository.listPath(
    chatId,
    leafId,
    pageSize(input.pageSize, 50, 200),
    input.pageToken || null,
  );
  if (!messages) throw messageNotFound(leafId ?? "");
  const promptTokens = await latestPromptTokens(deps, chatId, messages, firstPage);
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

/** How many of a path's latest messages GetChat searches for a reply with usage: never a whole long chat. */
const usageLookback = 50;

/**
 * The provider-reported prompt tokens of the latest reply that has usage, among the latest
 * `usageLookback` messages of the path shown; null when none has. The first page, when that is what was
 * read, is searched first and the repository is asked only for what it does not cover.
 */
async function latestPromptTokens(
  deps: ChatUseCaseDeps,
  chatId: string,
  path: PathPage,
  firstPage: boolean,
): Promise<number | null> {
  let searched = 0;
  let from = path.leafId;
  if (firstPage) {
    const newestFirst = path.items.toReversed().slice(0, usageLookback);
    const found = promptTokensOf(newestFirst);
    if (found !== null) return found;
    searched = newestFirst.length;
    from = newestFirst.at(-1)?.parentId ?? null;
  }
  if (searched >= usageLookback || from === null) return null;
  const remaining = usageLookback - searched;
  const older: Message[] = [];
  for await (const message of deps.repository.pathNewestFirst(chatId, from, remaining)) {
    older.push(message);
    if (older.length >= remaining) break;
  }
  return promptTokensOf(older);
}

const promptTokensOf = (newestFirst: Message[]): number | null =>
  newestFirst.find((m) => m.role === "assistant" && m.usage)?.usage?.promptTokens ?? null;
