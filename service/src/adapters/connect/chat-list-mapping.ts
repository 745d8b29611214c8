/** A chat-list watch's events as `parley.chat.v1.ChatListEvent`. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ChatListEventSchema, ChatSchema } from "@parley/gen/parley/chat/v1/chat_pb";
import type { WatchedChatEvent } from "../../application/chat-list/watch-chats.js";
import type { Chat } from "../../domain/chat.js";

export function chatListEventToProto(
  event: WatchedChatEvent,
  toChat: (chat: Chat) => MessageInitShape<typeof ChatSchema>,
): MessageInitShape<typeof ChatListEventSchema> {
  switch (event.type) {
    case "ready":
      return { kind: { case: "ready", value: {} } };
    case "created":
      return { kind: { case: "created", value: toChat(event.chat) } };
    case "updated":
      return { kind: { case: "updated", value: toChat(event.chat) } };
    case "deleted":
      return { kind: { case: "deleted", value: { chatId: event.chatId } } };
    case "resync":
      return { kind: { case: "resync", value: {} } };
  }
}
