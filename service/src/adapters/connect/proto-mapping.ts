/** Domain and use-case values to protobuf messages (init shapes), in one place. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ReplyStatus,
  Role,
  TitleSource as ProtoTitleSource,
  type ChatSchema,
  type MessageSchema,
  type ReplyEventSchema,
  type UsageSchema,
} from "@parley/gen/parley/chat/v1/chat_pb";
import type { ApiKeySchema } from "@parley/gen/parley/keys/v1/keys_pb";
import type { ReplyEvent } from "../../application/replies/reply-events.js";
import type { ApiKey } from "../../domain/api-key.js";
import type { Chat, Message, MessageStatus, PathMessage, TitleSource, Usage } from "../../domain/chat.js";

const statuses: Record<MessageStatus, ReplyStatus> = {
  streaming: ReplyStatus.STREAMING,
  complete: ReplyStatus.COMPLETE,
  stopped: ReplyStatus.STOPPED,
  incomplete: ReplyStatus.INCOMPLETE,
  interrupted: ReplyStatus.INTERRUPTED,
  failed: ReplyStatus.FAILED,
};

export const replyStatusToProto = (status: MessageStatus): ReplyStatus => statuses[status];

const usageToProto = (usage: Usage | null): MessageInitShape<typeof UsageSchema> | undefined =>
  usage ?? undefined;

/**
 * `contextWindow` is the service's setting: chats are not stored with one. `systemPromptTokens`: what
 * the chat's system prompt takes (its own instructions', or the service default's).
 */
export function chatToProto(
  chat: Chat,
  contextWindow: number,
  systemPromptTokens: number,
): MessageInitShape<typeof ChatSchema> {
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    createTime: timestampFromDate(chat.createdAt),
    updateTime: timestampFromDate(chat.updatedAt),
    contextWindow,
    ...(typeof chat.instructions === "string" && { instructions: chat.instructions }),
    instructionsTokenCount: systemPromptTokens,
    customInstructions: chat.instructionsTokens !== null,
    titleSource: titleSources[chat.titleSource ?? "unknown"],
  };
}

const titleSources: Record<TitleSource | "unknown", ProtoTitleSource> = {
  unknown: ProtoTitleSource.UNSPECIFIED,
  first_message: ProtoTitleSource.FIRST_MESSAGE,
  generated: ProtoTitleSource.GENERATED,
  user: ProtoTitleSource.USER,
};

export function messageToProto(message: Message): MessageInitShape<typeof MessageSchema> {
  return {
    id: message.id,
    role: message.role === "assistant" ? Role.ASSISTANT : Role.USER,
    content: message.content,
    seq: message.seq,
    status: statuses[message.status],
    finishReason: message.finishReason ?? "",
    tokenCount: message.tokenCount,
    usage: usageToProto(message.usage),
    error: message.error ?? "",
    createTime: timestampFromDate(message.createdAt),
    parentId: message.parentId ?? "",
  };
}

/** A message of a path, with its place among its siblings (GetChat's arrows). */
export function pathMessageToProto(message: PathMessage): MessageInitShape<typeof MessageSchema> {
  const { siblings } = message;
  return {
    ...messageToProto(message),
    siblingCount: siblings.count,
    siblingIndex: siblings.index,
    previousSiblingId: siblings.previousId ?? "",
    nextSiblingId: siblings.nextId ?? "",
  };
}

export function replyEventToProto(event: ReplyEvent): MessageInitShape<typeof ReplyEventSchema> {
  switch (event.type) {
    case "delta":
      return { kind: { case: "delta", value: { text: event.text, offset: event.offset } } };
    case "started":
      return {
        kind: {
          case: "started",
          value: {
            chatId: event.chatId,
            userMessageId: event.userMessageId,
            replyId: event.replyId,
            model: event.model,
            context: event.context ?? undefined,
          },
        },
      };
    case "finished":
      return {
        kind: {
          case: "finished",
          value: {
            status: statuses[event.status],
            finishReason: event.finishReason ?? "",
            usage: usageToProto(event.usage),
            error: event.error ?? "",
            length: event.length,
          },
        },
      };
  }
}

/** What is kept about an API key; never its secret or hash. */
export function apiKeyToProto(key: ApiKey): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createTime: timestampFromDate(key.createdAt),
    expireTime: key.expiresAt ? timestampFromDate(key.expiresAt) : undefined,
    revokeTime: key.revokedAt ? timestampFromDate(key.revokedAt) : undefined,
    lastUseTime: key.lastUsedAt ? timestampFromDate(key.lastUsedAt) : undefined,
  };
}
