/**
 * `parley.chat.v1.ChatService` over the use cases: request fields in, domain out. Errors are mapped by
 * the error interceptor (connect-errors.ts), once for every method. Every request's `user_id` is first
 * resolved against the caller (caller-context.ts): a personal key acts as its own user.
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { Chat } from "../../domain/chat.js";
import { asActingUser } from "./caller-context.js";
import { chatToProto, pathMessageToProto, replyEventToProto, replyStatusToProto } from "./proto-mapping.js";
import { chatListEventToProto } from "./chat-list-mapping.js";
import { claimStreamErrorMapping } from "./connect-errors.js";
import { mapReplyStream, type ReplySource } from "./reply-stream.js";
import { requestLogFields } from "./request-id-interceptor.js";

const toEventMessage = (event: Parameters<typeof replyEventToProto>[0]) => ({
  event: replyEventToProto(event),
});

/**
 * A reply's response stream, started on its first read (as an async generator's body would be, without
 * the generator's hops per message) and mapping its own errors (see reply-stream.ts).
 */
const replyMessages = (context: HandlerContext, open: ReplySource) =>
  mapReplyStream(open, toEventMessage, claimStreamErrorMapping(context.values));

export function createChatServiceHandler(chats: ChatUseCases): ServiceImpl<typeof ChatService> {
  /** The use cases for one call: what they log names the call's request id. */
  const forCall = (context: HandlerContext) => chats.forRequest(requestLogFields(context.values));
  const toChat = (chat: Chat) =>
    chatToProto(chat, chats.contextWindowOf(chat.model), chats.systemPromptTokensOf(chat));
  return {
    sendMessage(request, context) {
      return replyMessages(context, () =>
        forCall(context).sendMessage({ ...asActingUser(request, context), signal: context.signal }),
      );
    },
    regenerateReply(request, context) {
      return replyMessages(context, () =>
        forCall(context).regenerateReply({ ...asActingUser(request, context), signal: context.signal }),
      );
    },
    editMessage(request, context) {
      return replyMessages(context, () =>
        forCall(context).editMessage({ ...asActingUser(request, context), signal: context.signal }),
      );
    },
    async setActiveBranch(request, context) {
      return forCall(context).setActiveBranch(asActingUser(request, context));
    },
    watchReply(request, context) {
      return replyMessages(context, () =>
        forCall(context).watchReply({ ...asActingUser(request, context), signal: context.signal }),
      );
    },
    async stopReply(request, context) {
      return { status: replyStatusToProto(await forCall(context).stopReply(asActingUser(request, context))) };
    },
    async listChats(request, context) {
      const page = await forCall(context).listChats(asActingUser(request, context));
      return { chats: page.items.map(toChat), nextPageToken: page.nextCursor ?? "" };
    },
    async getChat(request, handlerContext) {
      const { chat, messages, context } = await forCall(handlerContext).getChat(
        asActingUser(request, handlerContext),
      );
      return {
        chat: toChat(chat),
        messages: messages.items.map(pathMessageToProto),
        nextPageToken: messages.nextCursor ?? "",
        context: context ?? undefined,
        leafId: messages.leafId ?? "",
      };
    },
    async renameChat(request, context) {
      return { chat: toChat(await forCall(context).renameChat(asActingUser(request, context))) };
    },
    async setChatModel(request, context) {
      return { chat: toChat(await forCall(context).setChatModel(asActingUser(request, context))) };
    },
    async deleteChat(request, context) {
      await forCall(context).deleteChat(asActingUser(request, context));
      return {};
    },
    async *watchChats(request, context) {
      for await (const event of forCall(context).watchChats({
        ...asActingUser(request, context),
        signal: context.signal,
      })) {
        yield { event: chatListEventToProto(event, toChat) };
      }
    },
    async *watchChat(request, context) {
      const events = forCall(context).watchChat({
        ...asActingUser(request, context),
        signal: context.signal,
      });
      for await (const event of events) {
        if (event.type === "reply") yield { kind: { case: "reply", value: replyEventToProto(event.event) } };
        else if (event.type === "chat") yield { kind: { case: "chat", value: toChat(event.chat) } };
        else if (event.type === "branch") yield { kind: { case: "branch", value: { leafId: event.leafId } } };
        else yield { kind: { case: "deleted", value: { chatId: event.chatId } } };
      }
    },
    async setChatInstructions(request, context) {
      return { chat: toChat(await forCall(context).setChatInstructions(asActingUser(request, context))) };
    },
  };
}
