/** A ChatRepository in memory, for use-case tests. Mirrors the MySQL adapter's contract, not its SQL. */
import type { ChatRepository, Page } from "../../src/application/chats/chat-repository.js";
import type { Chat, Message, Reply } from "../../src/domain/chat.js";
import { chatNotFound, DomainError, replyInProgress } from "../../src/domain/errors.js";

export interface InMemoryChatRepository extends ChatRepository {
  chats: Map<string, Chat>;
  messages: Message[];
  /** How many messages messagesNewestFirst has handed out (to prove reads stop early). */
  historyReads: number;
}

export function createInMemoryChatRepository(): InMemoryChatRepository {
  const chats = new Map<string, Chat>();
  const messages: Message[] = [];
  const ofChat = (chatId: string) =>
    messages.filter((m) => m.chatId === chatId).sort((a, b) => a.seq - b.seq);
  const page = <T>(items: T[], offset: number, limit: number): Page<T> => ({
    items: items.slice(offset, offset + limit),
    nextCursor: offset + limit < items.length ? String(offset + limit) : null,
  });
  const cursorOffset = (cursor: string | null) => {
    if (cursor === null) return 0;
    if (!/^\d+$/.test(cursor)) throw new DomainError("argument.invalid", "page_token is not valid");
    return Number(cursor);
  };
  const repo: InMemoryChatRepository = {
    chats,
    messages,
    historyReads: 0,
    async findChat(userId, chatId) {
      const chat = chats.get(chatId);
      return chat?.userId === userId ? { ...chat } : undefined;
    },
    async listChats(userId, limit, cursor) {
      const mine = [...chats.values()]
        .filter((c) => c.userId === userId)
        .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.id.localeCompare(a.id));
      return page(mine, cursorOffset(cursor), limit);
    },
    async listMessages(chatId, limit, cursor) {
      const newestFirst = ofChat(chatId).reverse();
      const result = page(newestFirst, cursorOffset(cursor), limit);
      return { ...result, items: result.items.reverse() };
    },
    async renameChat(userId, chatId, title, now) {
      const chat = chats.get(chatId);
      if (chat?.userId !== userId) return undefined;
      Object.assign(chat, { title, updatedAt: now });
      return { ...chat };
    },
    async deleteChat(userId, chatId) {
      if (chats.get(chatId)?.userId !== userId) return false;
      chats.delete(chatId);
      for (let i = messages.length - 1; i >= 0; i--)
        if (messages[i]!.chatId === chatId) messages.splice(i, 1);
      return true;
    },
    async startTurn(turn) {
      const { userId, chatId, newChat, now } = turn;
      if (newChat) chats.set(chatId, { id: chatId, userId, ...newChat, createdAt: now, updatedAt: now });
      if (chats.get(chatId)?.userId !== userId) throw chatNotFound(chatId);
      const existing = ofChat(chatId);
      const streaming = existing.find((m) => m.status === "streaming");
      if (streaming) throw replyInProgress(chatId, streaming.id);
      const seq = (existing.at(-1)?.seq ?? 0) + 1;
      const history = existing
        .toReversed()
        .slice(0, turn.historyLimit)
        .map((m) => ({ ...m }));
      const base = {
        chatId,
        finishReason: null,
        usage: null,
        error: null,
        createdAt: turn.now,
        updatedAt: turn.now,
      };
      const userMessage: Message = { ...base, ...turn.userMessage, seq, role: "user", status: "complete" };
      const reply: Message = {
        ...base,
        id: turn.replyId,
        seq: seq + 1,
        role: "assistant",
        content: "",
        tokenCount: 0,
        status: "streaming",
      };
      messages.push(userMessage, reply);
      chats.get(chatId)!.updatedAt = now;
      return { userMessage: { ...userMessage }, reply: { ...reply }, history };
    },
    async *messagesNewestFirst(chatId, beforeSeq) {
      for (const message of ofChat(chatId).reverse()) {
        if (message.seq >= beforeSeq) continue;
        repo.historyReads++;
        yield { ...message };
      }
    },
    async saveReplyProgress(replyId, content, now) {
      const reply = messages.find((m) => m.id === replyId && m.status === "streaming");
      if (reply) Object.assign(reply, { content, updatedAt: now });
    },
    async finishReply(replyId, outcome) {
      const reply = messages.find((m) => m.id === replyId && m.status === "streaming");
      if (!reply) return false;
      const { now, ...rest } = outcome;
      Object.assign(reply, rest, { updatedAt: now });
      return true;
    },
    async findReply(userId, replyId) {
      const message = messages.find((m) => m.id === replyId);
      const chat = message && chats.get(message.chatId);
      return message && chat?.userId === userId ? ({ ...message, userId } satisfies Reply) : undefined;
    },
    async interruptStreamingReplies(now) {
      const streaming = messages.filter((m) => m.status === "streaming");
      for (const m of streaming) Object.assign(m, { status: "interrupted", updatedAt: now });
      return streaming.length;
    },
  };
  return repo;
}
