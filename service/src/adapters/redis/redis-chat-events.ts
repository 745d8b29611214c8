/**
 * `ChatEvents` over Redis pub/sub: one channel per user (`<prefix>chats:<user id>`), JSON messages. A
 * watch whose subscriber connection drops may miss events: once the connection is back and the channel
 * subscribed again, it is told `lost` (the client lists its chats again: "resync").
 */
import type { Redis } from "ioredis";
import type {
  ChatEventListener,
  ChatEvents,
  ChatListEvent,
} from "../../application/chat-list/chat-events.js";
import type { Logger } from "../../application/ports.js";
import type { ChannelSubscriptions } from "./channel-subscriptions.js";

export interface RedisChatEventsDeps {
  commands: Redis;
  subscriber: Redis;
  subscriptions: ChannelSubscriptions;
  keyPrefix: string;
  logger: Logger;
}

export function createRedisChatEvents(deps: RedisChatEventsDeps): ChatEvents {
  const channelOf = (userId: string) => `${deps.keyPrefix}chats:${userId}`;
  // Watches whose connection dropped, told `lost` once their channel is subscribed again.
  const dropped = new Map<ChatEventListener, string>();
  deps.subscriber.on("ready", () => {
    for (const [listener, channel] of [...dropped]) {
      dropped.delete(listener);
      deps.subscriber.subscribe(channel).then(
        () => listener.lost(),
        () => dropped.set(listener, channel),
      );
    }
  });
  return {
    publish(userId, event) {
      deps.commands.publish(channelOf(userId), JSON.stringify(event)).catch((error: unknown) => {
        // The other replicas' watches lost their connection too, and resync when it is back.
        deps.logger.warn("could not publish a chat event", { error: String(error) });
      });
    },
    async subscribe(userId, listener) {
      const channel = channelOf(userId);
      const unsubscribe = await deps.subscriptions.follow(
        channel,
        (raw) => {
          const event = decodeChatEvent(raw);
          if (event) listener.event(event);
        },
        () => dropped.set(listener, channel),
      );
      return () => {
        dropped.delete(listener);
        unsubscribe();
      };
    },
  };
}

/** The event, or null for anything that is not one (another version's message, junk). */
export function decodeChatEvent(raw: string): ChatListEvent | null {
  try {
    const value = JSON.parse(raw) as ChatListEvent;
    switch (value.type) {
      case "created":
      case "updated": {
        const { createdAt, updatedAt } = value.chat as unknown as Record<string, string>;
        if (typeof value.chat.id !== "string" || !createdAt || !updatedAt) return null;
        return {
          type: value.type,
          chat: { ...value.chat, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) },
        };
      }
      case "deleted":
        return typeof value.chatId === "string" ? { type: "deleted", chatId: value.chatId } : null;
      case "branch":
        return typeof value.chatId === "string" && typeof value.leafId === "string"
          ? { type: "branch", chatId: value.chatId, leafId: value.leafId }
          : null;
      case "resync":
        return { type: "resync" };
      default:
        return null;
    }
  } catch {
    return null;
  }
}
