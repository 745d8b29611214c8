/**
 * The original service's `pb.ChatService/ChatStream`, unchanged on the wire, over the same use case.
 * The original sent the accumulated answer in every message, so this adapter does too. Errors are mapped
 * by the error interceptor, as for every RPC.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/pb/chat_pb";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import { withTextSoFar } from "../../application/replies/reply-text.js";
import { asActingUser } from "./caller-context.js";
import { mapReplyStream } from "./reply-stream.js";
import { requestLogFields } from "./request-id-interceptor.js";

export function createLegacyChatServiceHandler(useCases: ChatUseCases): ServiceImpl<typeof ChatService> {
  return {
    async *chatStream(request, context) {
      const { userId } = asActingUser(request, context);
      const subscription = await useCases.forRequest(requestLogFields(context.values)).sendMessage({
        chatId: request.chatId,
        userId,
        text: request.userMessage,
        signal: context.signal,
      });
      let chatId = request.chatId ?? "";
      for await (const { event, text } of withTextSoFar(mapReplyStream(subscription, passThrough))) {
        if (event.type === "started") chatId = event.chatId;
        else if (event.type === "delta") yield { chatId, userId, content: text };
      }
    },
  };
}

const passThrough = (event: ReplyEvent) => event;
