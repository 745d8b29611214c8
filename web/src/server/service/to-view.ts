/** Protobuf → the browser's plain JSON types (`~/lib/chat-types`). */
import "server-only";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  ReplyStatus as ProtoReplyStatus,
  Role,
  TitleSource as ProtoTitleSource,
  type Chat,
  type ContextStats as ProtoContextStats,
  type Message,
  type ReplyEvent as ProtoReplyEvent,
} from "@parley/gen/parley/chat/v1/chat_pb";
import type {
  ChatMessage,
  ChatSummary,
  ContextStats,
  ReplyEvent,
  ReplyStatus,
  TitleSource,
} from "~/lib/chat-types";

const titleSources: Record<ProtoTitleSource, TitleSource> = {
  [ProtoTitleSource.UNSPECIFIED]: "unknown",
  [ProtoTitleSource.FIRST_MESSAGE]: "first_message",
  [ProtoTitleSource.GENERATED]: "generated",
  [ProtoTitleSource.USER]: "user",
};

const statuses: Record<ProtoReplyStatus, ReplyStatus> = {
  [ProtoReplyStatus.UNSPECIFIED]: "complete",
  [ProtoReplyStatus.STREAMING]: "streaming",
  [ProtoReplyStatus.COMPLETE]: "complete",
  [ProtoReplyStatus.STOPPED]: "stopped",
  [ProtoReplyStatus.INCOMPLETE]: "incomplete",
  [ProtoReplyStatus.INTERRUPTED]: "interrupted",
  [ProtoReplyStatus.FAILED]: "failed",
};

export function toReplyStatus(status: ProtoReplyStatus): ReplyStatus {
  return statuses[status] ?? "failed";
}

function isoTime(timestamp: Timestamp | undefined): string {
  return (timestamp ? timestampDate(timestamp) : new Date(0)).toISOString();
}

export function toChatSummary(chat: Chat | undefined): ChatSummary {
  return {
    id: chat?.id ?? "",
    title: chat?.title ?? "",
    model: chat?.model ?? "",
    customInstructions: chat?.customInstructions ?? false,
    instructionsTokens: chat?.instructionsTokenCount ?? 0,
    titleSource: titleSources[chat?.titleSource ?? ProtoTitleSource.UNSPECIFIED] ?? "unknown",
    createdAt: isoTime(chat?.createTime),
    updatedAt: isoTime(chat?.updateTime),
  };
}

export function toChatMessage(message: Message): ChatMessage {
  return {
    id: message.id,
    role: message.role === Role.USER ? "user" : "assistant",
    content: message.content,
    status: toReplyStatus(message.status),
    finishReason: message.finishReason,
    createdAt: isoTime(message.createTime),
    parentId: message.parentId || null,
    // A service from before message trees sends 0: every message is then the only version.
    siblingCount: Math.max(message.siblingCount, 1),
    siblingIndex: message.siblingIndex,
    previousSiblingId: message.previousSiblingId || null,
    nextSiblingId: message.nextSiblingId || null,
  };
}

export function toContextStats(stats: ProtoContextStats | undefined): ContextStats | null {
  if (!stats) return null;
  return {
    tokensUsed: stats.tokensUsed,
    contextWindow: stats.contextWindow,
    maxOutputTokens: stats.maxOutputTokens,
    messagesLeftOut: stats.messagesLeftOut,
    systemPromptTokens: stats.systemPromptTokens,
  };
}

/** A reply's stream event for the browser; null for one it does not need (an empty delta, an unknown kind). */
export function toReplyEvent(event: ProtoReplyEvent | undefined): ReplyEvent | null {
  const kind = event?.kind;
  switch (kind?.case) {
    case "started":
      return {
        type: "started",
        chatId: kind.value.chatId,
        replyId: kind.value.replyId,
        userMessageId: kind.value.userMessageId,
        model: kind.value.model,
        context: toContextStats(kind.value.context),
      };
    case "delta":
      return kind.value.text.length === 0
        ? null
        : { type: "delta", text: kind.value.text, offset: kind.value.offset };
    case "finished":
      return {
        type: "finished",
        status: toReplyStatus(kind.value.status),
        finishReason: kind.value.finishReason,
        length: kind.value.length,
      };
    default:
      return null;
  }
}
