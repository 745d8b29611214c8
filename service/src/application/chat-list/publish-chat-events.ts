/**
 * The stores that change chats, wrapped so that each change is announced on `ChatEvents` once it is
 * committed (the wrapped call has resolved), never before. The use cases stay as they are: whatever
 * renames, deletes, starts a turn in, retitles or imports chats goes through these stores.
 */
import type { Chat } from "../../domain/chat.js";
import type { ChatRepository, NewTurn } from "../chats/chat-repository.js";
import type { Logger } from "../ports.js";
import type { TitleStore } from "../titles/title-store.js";
import type { TransferStore } from "../transfer/transfer-store.js";
import { chatSummary, type ChatEvents } from "./chat-events.js";

/** Same object, with `overrides` in place of some of its methods (works for classes and plain objects). */
function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

export function publishChatEvents(events: ChatEvents, repository: ChatRepository, logger: Logger) {
  const updated = (chat: Chat | undefined) => {
    if (chat) events.publish(chat.userId, { type: "updated", chat: chatSummary(chat) });
    return chat;
  };
  /** Reads the chat back after a change that does not return it, off the caller's path. */
  const announce = (userId: string, chatId: string, type: "created" | "updated") => {
    repository.findChat(userId, chatId).then(
      (chat) => chat && events.publish(userId, { type, chat: chatSummary(chat) }),
      (error: unknown) => {
        logger.warn("could not announce a chat change; watches resync", { chatId, error: String(error) });
        events.publish(userId, { type: "resync" });
      },
    );
  };

  return {
    repository: withOverrides<ChatRepository>(repository, {
      renameChat: async (...args) => updated(await repository.renameChat(...args)),
      setChatModel: async (...args) => updated(await repository.setChatModel(...args)),
      setChatInstructions: async (...args) => updated(await repository.setChatInstructions(...args)),
      async deleteChat(userId, chatId) {
        const deleted = await repository.deleteChat(userId, chatId);
        if (deleted) events.publish(userId, { type: "deleted", chatId });
        return deleted;
      },
      async setActiveBranch(userId, chatId, messageId) {
        const chosen = await repository.setActiveBranch(userId, chatId, messageId);
        if (chosen) events.publish(userId, { type: "branch", chatId, leafId: chosen.leafId });
        return chosen;
      },
      async startTurn(turn: NewTurn) {
        const started = await repository.startTurn(turn);
        // The turn read the chat's summary in its transaction: nothing to read back before the model call.
        const chat = { id: turn.chatId, userId: turn.userId, ...started.chat, updatedAt: turn.now };
        events.publish(turn.userId, { type: turn.newChat ? "created" : "updated", chat: chatSummary(chat) });
        return started;
      },
    }),
    titles: (store: TitleStore): TitleStore => ({
      async saveGeneratedTitle(title) {
        const saved = await store.saveGeneratedTitle(title);
        if (saved) announce(title.userId, title.chatId, "updated");
        return saved;
      },
    }),
    transfer: (store: TransferStore): TransferStore =>
      withOverrides<TransferStore>(store, {
        // An import writes up to a whole file of chats: the watches list again rather than hear each.
        async importChats(userId, source, chats, now) {
          const stored = await store.importChats(userId, source, chats, now);
          if (stored.some((chat) => chat.outcome === "imported")) events.publish(userId, { type: "resync" });
          return stored;
        },
      }),
  };
}
