/**
 * A ChatRepository in memory, for use-case tests. Mirrors the MySQL adapter's contract, not its SQL: the
 * contract suite (chat-repository-contract.ts) runs against both.
 */
import { concurrencyRefusal } from "../../src/domain/limits.js";
import type { ChatRepository, TurnChat } from "../../src/application/chats/chat-repository.js";
import type { Lease } from "../../src/application/ports.js";
import { ownerGoneError, type Chat, type Message, type Reply } from "../../src/domain/chat.js";
import {
  chatNotFound,
  invalidArgument,
  messageNotFound,
  replyInProgress,
  tooManyVersions,
} from "../../src/domain/errors.js";
import { maxVersionsPerMessage, newestLeafIn, pathUp, siblingsIn } from "../../src/domain/message-tree.js";

export interface InMemoryChatRepository extends ChatRepository {
  chats: Map<string, Chat>;
  messages: Message[];
  /** How many messages messagesNewestFirst has handed out (to prove reads stop early). */
  historyReads: number;
}

export function createInMemoryChatRepository(): InMemoryChatRepository {
  const chats = new Map<string, Chat>();
  const messages: Message[] = [];
  /** Live replies' leases, by reply id (the Message type does not carry them, as the table does). */
  const leases = new Map<string, Lease>();
  /** Chats' chosen leaves (absent: the newest message), as `chats.active_leaf_id`. */
  const activeLeaves = new Map<string, string>();
  const byIdIn = (chatId: string) => new Map(ofChat(chatId).map((m) => [m.id, m]));
  const activeLeafOf = (chatId: string) => activeLeaves.get(chatId) ?? ofChat(chatId).at(-1)?.id ?? null;
  const ownedLiveReply = (replyId: string, owner: string) =>
    leases.get(replyId)?.owner === owner
      ? messages.find((m) => m.id === replyId && m.status === "streaming")
      : undefined;
  const replyOf = (userId: string, message: Message | undefined): Reply | undefined =>
    message && chats.get(message.chatId)?.userId === userId
      ? { ...message, userId, owner: leases.get(message.id)?.owner ?? null }
      : undefined;
  const ofChat = (chatId: string) =>
    messages.filter((m) => m.chatId === chatId).sort((a, b) => a.seq - b.seq);
  const newestChatsFirst = (a: Pick<Chat, "updatedAt" | "id">, b: Pick<Chat, "updatedAt" | "id">) =>
    b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  const repo: InMemoryChatRepository = {
    chats,
    messages,
    historyReads: 0,
    async findChat(userId, chatId) {
      const chat = chats.get(chatId);
      return chat?.userId === userId ? { ...chat } : undefined;
    },
    async listChats(userId, limit, cursor) {
      assertPageSize(limit);
      const after = cursor === null ? null : decodeChatCursor(cursor);
      const mine = [...chats.values()]
        .filter((c) => c.userId === userId)
        .sort(newestChatsFirst)
        .filter((c) => after === null || newestChatsFirst(after, c) < 0);
      // As MySQL: lists leave the instructions' text out.
      const items = mine.slice(0, limit).map(({ instructions: _, ...c }) => c);
      const last = items.at(-1);
      return { items, nextCursor: mine.length > limit && last ? encodeChatCursor(last) : null };
    },
    async listMessages(chatId, limit, cursor) {
      assertPageSize(limit);
      const before = cursor === null ? Infinity : decodeMessageCursor(cursor);
      const older = ofChat(chatId).filter((m) => m.seq < before);
      const items = older.slice(-limit).map((m) => ({ ...m }));
      const oldest = items[0];
      return { items, nextCursor: older.length > limit && oldest ? encodeMessageCursor(oldest.seq) : null };
    },
    async listPath(chatId, leafId, limit, cursor) {
      assertPageSize(limit);
      const from = cursor === null ? null : decode(cursor, /^memory-path:(.{1,36})$/)[1]!;
      const leaf = leafId ?? activeLeafOf(chatId);
      if (leaf === null) return { items: [], nextCursor: null, leafId: null };
      const path = pathUp(byIdIn(chatId), from ?? leaf, limit + 1);
      if (path.length === 0 && from === null) return undefined;
      const all = ofChat(chatId);
      const items = path
        .slice(0, limit)
        .reverse()
        .map((m) => ({ ...m, siblings: siblingsIn(all, m) }));
      const more = path.length > limit ? items[0]?.parentId : null;
      return { items, nextCursor: more ? encode(`memory-path:${more}`) : null, leafId: leaf };
    },
    async *pathNewestFirst(chatId, fromId, pageSize) {
      assertPageSize(pageSize);
      for (const message of pathUp(byIdIn(chatId), fromId)) {
        repo.historyReads++;
        yield { ...message };
      }
    },
    async findMessage(userId, chatId, messageId) {
      if (chats.get(chatId)?.userId !== userId) return undefined;
      const message = messages.find((m) => m.id === messageId && m.chatId === chatId);
      return message && { ...message };
    },
    async setActiveBranch(userId, chatId, messageId) {
      if (chats.get(chatId)?.userId !== userId) return undefined;
      const leafId = newestLeafIn(ofChat(chatId), messageId);
      if (leafId === undefined) return undefined;
      if (leafId === ofChat(chatId).at(-1)?.id) activeLeaves.delete(chatId);
      else activeLeaves.set(chatId, leafId);
      return { leafId };
    },
    async renameChat(userId, chatId, title, now) {
      const chat = chats.get(chatId);
      if (chat?.userId !== userId) return undefined;
      Object.assign(chat, { title, titleSource: "user", updatedAt: now });
      return { ...chat };
    },
    async setChatInstructions(userId, chatId, instructions, now) {
      const chat = chats.get(chatId);
      if (chat?.userId !== userId) return undefined;
      Object.assign(chat, {
        instructions: instructions?.text ?? null,
        instructionsTokens: instructions?.tokens ?? null,
        updatedAt: now,
      });
      return { ...chat };
    },
    async setChatModel(userId, chatId, model, now) {
      const chat = chats.get(chatId);
      if (chat?.userId !== userId) return undefined;
      Object.assign(chat, { model, updatedAt: now });
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
      const live = messages.filter((m) => m.status === "streaming" && chats.get(m.chatId)?.userId === userId);
      const busy = live.find((m) => m.chatId === chatId && !newChat);
      if (busy && chats.get(chatId)?.userId === userId) throw replyInProgress(chatId, busy.id);
      if (turn.maxLiveReplies > 0 && live.length >= turn.maxLiveReplies)
        throw concurrencyRefusal(turn.maxLiveReplies, now);
      if (chats.get(chatId)?.userId !== userId && !newChat) throw chatNotFound(chatId);
      const chat: TurnChat = {
        instructions: (newChat ?? chats.get(chatId))?.instructions ?? null,
        instructionsTokens: (newChat ?? chats.get(chatId))?.instructionsTokens ?? null,
        titleSource: (newChat ?? chats.get(chatId))?.titleSource ?? null,
        model: turn.chatModel ?? (newChat ?? chats.get(chatId))?.model ?? "",
        title: (newChat ?? chats.get(chatId))?.title ?? "",
        createdAt: chats.get(chatId)?.createdAt ?? now,
      };
      turn.admit?.(chat);
      const counted = turn.countFor?.(chat) ?? {
        tokenCount: turn.userMessage.tokenCount,
        tokenEncoding: turn.tokenEncoding,
      };
      if (newChat)
        chats.set(chatId, { id: chatId, userId, ...newChat, ...chat, createdAt: now, updatedAt: now });
      const existing = ofChat(chatId);
      const streaming = existing.find((m) => m.status === "streaming");
      if (streaming) throw replyInProgress(chatId, streaming.id);
      if (!newChat) chats.get(chatId)!.model = chat.model;
      const seq = (existing.at(-1)?.seq ?? 0) + 1;
      const place = turn.place ?? { kind: "continue" };
      const parentId =
        place.kind === "continue"
          ? activeLeafOf(chatId)
          : place.kind === "branch"
            ? place.parentId
            : place.userMessage.parentId;
      const byId = byIdIn(chatId);
      if (parentId !== null && !byId.has(parentId)) throw messageNotFound(parentId);
      const versionsOf =
        place.kind === "branch" ? place.parentId : place.kind === "answer" ? place.userMessage.id : undefined;
      if (
        versionsOf !== undefined &&
        existing.filter((m) => m.parentId === versionsOf).length >= maxVersionsPerMessage
      )
        throw tooManyVersions(versionsOf, maxVersionsPerMessage);
      const path = parentId === null ? [] : pathUp(byId, parentId, turn.historyLimit + 1);
      const history = path.slice(0, turn.historyLimit).map((m) => ({ ...m }));
      const historyFrom = path.length > turn.historyLimit ? (path.at(-1)?.id ?? null) : null;
      turn.onChecked?.({ chat: { ...chat }, history, historyFrom });
      const base = {
        chatId,
        finishReason: null,
        usage: null,
        error: null,
        tokenEncoding: counted.tokenEncoding ?? null,
        createdAt: turn.now,
        updatedAt: turn.now,
      };
      const userMessage: Message =
        place.kind === "answer"
          ? place.userMessage
          : {
              ...base,
              ...turn.userMessage,
              tokenCount: counted.tokenCount,
              seq,
              parentId,
              depth: (history[0]?.depth ?? 0) + 1,
              role: "user",
              status: "complete",
            };
      const reply: Message = {
        ...base,
        id: turn.replyId,
        seq: place.kind === "answer" ? seq : seq + 1,
        parentId: userMessage.id,
        depth: userMessage.depth + 1,
        role: "assistant",
        content: "",
        tokenCount: 0,
        status: "streaming",
      };
      if (place.kind === "answer") messages.push(reply);
      else messages.push(userMessage, reply);
      activeLeaves.delete(chatId);
      leases.set(reply.id, { ...turn.lease });
      chats.get(chatId)!.updatedAt = now;
      return { chat, userMessage: { ...userMessage }, reply: { ...reply }, history, historyFrom };
    },
    async *messagesNewestFirst(chatId, beforeSeq, pageSize) {
      assertPageSize(pageSize);
      let before = beforeSeq;
      for (;;) {
        const page = ofChat(chatId)
          .filter((m) => m.seq < before)
          .slice(-pageSize)
          .reverse();
        for (const message of page) {
          repo.historyReads++;
          yield { ...message };
        }
        const last = page.at(-1);
        if (page.length < pageSize || !last) return;
        before = last.seq;
      }
    },
    async saveRepliesProgress(owner, saves, now) {
      const saved = new Set<string>();
      for (const { replyId, content } of saves) {
        const reply = ownedLiveReply(replyId, owner);
        if (reply) Object.assign(reply, { content, updatedAt: now });
        if (reply) saved.add(replyId);
      }
      return saved;
    },
    async finishReply(replyId, outcome) {
      const { now, owner, userId: _, usage, ...rest } = outcome;
      const reply = ownedLiveReply(replyId, owner);
      if (!reply) return false;
      // As the MySQL repository reads it back: a Message's usage is the provider's figure only.
      const { promptTokens, completionTokens, totalTokens } = usage;
      const provided = usage.source === "provider" ? { promptTokens, completionTokens, totalTokens } : null;
      Object.assign(reply, rest, { usage: provided, updatedAt: now });
      leases.delete(replyId);
      return true;
    },
    async findReply(userId, replyId) {
      return replyOf(
        userId,
        messages.find((m) => m.id === replyId && m.role === "assistant"),
      );
    },
    async findLiveReply(userId, chatId) {
      return replyOf(
        userId,
        messages.find((m) => m.chatId === chatId && m.status === "streaming"),
      );
    },
    async renewLeases(owner, ids, expiresAt) {
      let renewed = 0;
      for (const [replyId, lease] of leases) {
        if (lease.owner !== owner || !ids.includes(replyId)) continue;
        leases.set(replyId, { owner, expiresAt });
        renewed++;
      }
      return renewed;
    },
    async endExpiredLeases(now) {
      const expired = messages.filter(
        (m) => m.status === "streaming" && !((leases.get(m.id)?.expiresAt ?? now) > now),
      );
      for (const m of expired) {
        Object.assign(m, { status: "interrupted", error: ownerGoneError, updatedAt: now });
        leases.delete(m.id);
      }
      return expired.map(({ id, content }) => ({ id, content }));
    },
  };
  return repo;
}

function assertPageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) throw invalidArgument("a page size must be a positive integer");
}

// Cursors as opaque and as strict as the MySQL adapter's: tagged by kind, keyset (not offset) based.
const invalidCursor = () => invalidArgument("the page cursor is not valid; start again from the first page");
const encode = (text: string) => Buffer.from(text).toString("base64url");
function decode(cursor: string, pattern: RegExp): RegExpExecArray {
  const match = /^[A-Za-z0-9_-]{1,128}$/.test(cursor)
    ? pattern.exec(Buffer.from(cursor, "base64url").toString("utf8"))
    : null;
  if (!match) throw invalidCursor();
  return match;
}
const encodeChatCursor = (chat: Chat) => encode(`memory-chat:${chat.updatedAt.getTime()}:${chat.id}`);
function decodeChatCursor(cursor: string): Pick<Chat, "updatedAt" | "id"> {
  const [, time, id] = decode(cursor, /^memory-chat:(\d{1,15}):(.{1,36})$/);
  return { updatedAt: new Date(Number(time)), id: id! };
}
const encodeMessageCursor = (seq: number) => encode(`memory-message:${seq}`);
const decodeMessageCursor = (cursor: string) => Number(decode(cursor, /^memory-message:(\d{1,10})$/)[1]);
