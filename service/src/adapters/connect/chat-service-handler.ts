/**
 * `parley.chat.v1.ChatService` over the use cases: request fields in, domain out. Errors are mapped by
 * the error interceptor (connect-errors.ts), once for every method.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { Chat } from "../../domain/chat.js";
import { chatToProto, messageToProto, replyEventToProto, replyStatusToProto } from "./proto-mapping.js";
import { mapReplyStream } from "./reply-stream.js";

const toEventMessage = (event: Parameters<typeof replyEventToProto>[0]) => ({
  event: replyEventToProto(event),
});

export function createChatServiceHandler(useCases: ChatUseCases): ServiceImpl<typeof ChatService> {
  const toChat = (chat: Chat) => chatToProto(chat, useCases.limits.contextWindow);
  return {
    async *sendMessage(request, context) {
      const subscription = await useCases.sendMessage({ ...request, signal: context.signal });
      yield* mapReplyStream(subscription, toEventMessage);
    },
    async *watchReply(request, context) {
      const events = await useCases.watchReply({ ...request, signal: context.signal });
      yield* mapReplyStream(events, toEventMessage);
    },
    async stopReply(request) {
      return { status: replyStatusToProto(await useCases.stopReply(request)) };
    },
    async listChats(request) {
      const page = await useCases.listChats(request);
      return { chats: page.items.map(toChat), nextPageToken: page.nextCursor ?? "" };
    },
    async getChat(request) {
      const { chat, messages, context } = await useCases.getChat(request);
      return {
        chat: toChat(chat),
        messages: messages.items.map(messageToProto),
        nextPageToken: messages.nextCursor ?? "",
        context: context ?? undefined,
      };
    },
    async renameChat(request) {
      return { chat: toChat(await useCases.renameChat(request)) };
    },
    async deleteChat(request) {
      await useCases.deleteChat(request);
      return {};
    },
  };
}
