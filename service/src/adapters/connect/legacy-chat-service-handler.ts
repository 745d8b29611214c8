/**
 * The original service's `pb.ChatService/ChatStream`, unchanged on the wire, over the same use case.
 * The original sent the accumulated answer in every message, so this adapter does too.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/pb/chat_pb";
import type { ChatUseCases } from "../../application/chat-use-cases.js";
import type { Logger } from "../../application/ports.js";
import { toConnectError } from "./connect-errors.js";
import { mapReplyStream } from "./reply-stream.js";

export function createLegacyChatServiceHandler(
  useCases: ChatUseCases,
  logger: Logger,
): ServiceImpl<typeof ChatService> {
  return {
    async *chatStream(request, context) {
      try {
        const watch = await useCases.sendMessage({
          chatId: request.chatId,
          userId: request.userId,
          text: request.userMessage,
          signal: context.signal,
        });
        let chatId = request.chatId ?? "";
        let content = "";
        const messages = mapReplyStream(watch, (event) => {
          if (event.type === "started") chatId = event.chatId;
          else if (event.type === "delta") content += event.text;
          return event.type === "delta" ? { chatId, userId: request.userId, content } : null;
        });
        for await (const message of messages) if (message) yield message;
      } catch (error) {
        throw toConnectError(error, logger);
      }
    },
  };
}
