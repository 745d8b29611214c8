/** `parley.chat.v1.ChatService` over the use cases. Request fields in, domain out, errors mapped once. */
import type { ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { Logger } from "../../application/ports.js";
import type { Chat } from "../../domain/chat.js";
import { toConnectError } from "./connect-errors.js";
import { chatToProto, messageToProto, replyEventToProto, replyStatusToProto } from "./proto-mapping.js";
import { mapReplyStream } from "./reply-stream.js";

const toEventMessage = (event: Parameters<typeof replyEventToProto>[0]) => ({
  event: replyEventToProto(event),
});

export function createChatServiceHandler(
  useCases: ChatUseCases,
  logger: Logger,
): ServiceImpl<typeof ChatService> {
  const fail = (error: unknown): never => {
    throw toConnectError(error, logger);
  };
  const toChat = (chat: Chat) => chatToProto(chat, useCases.limits.contextWindow);
  return {
    async *sendMessage(request, context) {
      try {
        const watch = await useCases.sendMessage({ ...request, signal: context.signal });
        yield* mapReplyStream(watch, toEventMessage);
      } catch (error) {
        fail(error);
      }
    },
    async *watchReply(request, context) {
      try {
        const events = await useCases.watchReply({ ...request, signal: context.signal });
        yield* mapReplyStream(events, toEventMessage);
      } catch (error) {
        fail(error);
      }
    },
    async stopReply(request) {
      const status = await useCases.stopReply(request).catch(fail);
      return { status: replyStatusToProto(status) };
    },
    async listChats(request) {
      const page = await useCases.listChats(request).catch(fail);
      return { chats: page.items.map(toChat), nextPageToken: page.nextCursor ?? "" };
    },
    async getChat(request) {
      const { chat, messages, context } = await useCases.getChat(request).catch(fail);
      return {
        chat: toChat(chat),
        messages: messages.items.map(messageToProto),
        nextPageToken: messages.nextCursor ?? "",
        context: context ?? undefined,
      };
    },
    async renameChat(request) {
      const chat = await useCases.renameChat(request).catch(fail);
      return { chat: toChat(chat) };
    },
    async deleteChat(request) {
      await useCases.deleteChat(request).catch(fail);
      return {};
    },
  };
}
