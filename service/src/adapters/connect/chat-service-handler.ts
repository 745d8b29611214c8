/**
 * `parley.chat.v1.ChatService` over the use cases: request fields in, domain out. Errors are mapped by
 * the error interceptor (connect-errors.ts), once for every method. Every request's `user_id` is first
 * resolved against the caller (caller-context.ts): a personal key acts as its own user.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { Chat } from "../../domain/chat.js";
import { asActingUser } from "./caller-context.js";
import { chatToProto, pathMessageToProto, replyEventToProto, replyStatusToProto } from "./proto-mapping.js";
import { chatListEventToProto } from "./chat-list-mapping.js";
import { mapReplyStream } from "./reply-stream.js";

const toEventMessage = (event: Parameters<typeof replyEventToProto>[0]) => ({
  event: replyEventToProto(event),
});

export function createChatServiceHandler(useCases: ChatUseCases): ServiceImpl<typeof ChatService> {
  const toChat = (chat: Chat) =>
    chatToProto(chat, useCases.contextWindowOf(chat.model), useCases.systemPromptTokensOf(chat));
  return {
    async *sendMessage(request, context) {
      const subscription = await useCases.sendMessage({
        ...asActingUser(request, context),
        signal: context.signal,
      });
      yield* mapReplyStream(subscription, toEventMessage);
    },
    async *regenerateReply(request, context) {
      const subscription = await useCases.regenerateReply({
        ...asActingUser(request, context),
        signal: context.signal,
      });
      yield* mapReplyStream(subscription, toEventMessage);
    },
    async *editMessage(request, context) {
      const subscription = await useCases.editMessage({
        ...asActingUser(request, context),
        signal: context.signal,
      });
      yield* mapReplyStream(subscription, toEventMessage);
    },
    async setActiveBranch(request, context) {
      return useCases.setActiveBranch(asActingUser(request, context));
    },
    async *watchReply(request, context) {
      const events = await useCases.watchReply({ ...asActingUser(request, context), signal: context.signal });
      yield* mapReplyStream(events, toEventMessage);
    },
    async stopReply(request, context) {
      return { status: replyStatusToProto(await useCases.stopReply(asActingUser(request, context))) };
    },
    async listChats(request, context) {
      const page = await useCases.listChats(asActingUser(request, context));
      return { chats: page.items.map(toChat), nextPageToken: page.nextCursor ?? "" };
    },
    async getChat(request, handlerContext) {
      const { chat, messages, context } = await useCases.getChat(asActingUser(request, handlerContext));
      return {
        chat: toChat(chat),
        messages: messages.items.map(pathMessageToProto),
        nextPageToken: messages.nextCursor ?? "",
        context: context ?? undefined,
        leafId: messages.leafId ?? "",
      };
    },
    async renameChat(request, context) {
      return { chat: toChat(await useCases.renameChat(asActingUser(request, context))) };
    },
    async setChatModel(request, context) {
      return { chat: toChat(await useCases.setChatModel(asActingUser(request, context))) };
    },
    async deleteChat(request, context) {
      await useCases.deleteChat(asActingUser(request, context));
      return {};
    },
    async *watchChats(request, context) {
      for await (const event of useCases.watchChats({
        ...asActingUser(request, context),
        signal: context.signal,
      })) {
        yield { event: chatListEventToProto(event, toChat) };
      }
    },
    async *watchChat(request, context) {
      const events = useCases.watchChat({ ...asActingUser(request, context), signal: context.signal });
      for await (const event of events) {
        if (event.type === "reply") yield { kind: { case: "reply", value: replyEventToProto(event.event) } };
        else if (event.type === "chat") yield { kind: { case: "chat", value: toChat(event.chat) } };
        else if (event.type === "branch") yield { kind: { case: "branch", value: { leafId: event.leafId } } };
        else yield { kind: { case: "deleted", value: { chatId: event.chatId } } };
      }
    },
    async setChatInstructions(request, context) {
      return { chat: toChat(await useCases.setChatInstructions(asActingUser(request, context))) };
    },
  };
}
