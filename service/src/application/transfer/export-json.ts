/**
 * The Parley JSON export, written piece by piece so a whole history never sits in memory:
 * `{"format":"parley.chats","version":1,"exported_at":…,"chats":[{…chat…,"messages":[…],"active_leaf_id":…}]}`.
 * Field names are snake_case. Readers ignore fields they do not know: later versions add fields (e.g.
 * per-chat instructions, branches as more messages sharing a `parent_id`); `version` changes only when
 * an existing field changes meaning.
 */
import type { Chat } from "../../domain/chat.js";
import type { StoredMessage } from "./transfer-store.js";

/** The `format` of a Parley JSON export. */
export const parleyExportFormat = "parley.chats";
/** The version this service writes and the newest it reads. */
export const parleyExportVersion = 1;

export function jsonFileStart(exportedAt: Date): string {
  const header = {
    format: parleyExportFormat,
    version: parleyExportVersion,
    exported_at: exportedAt.toISOString(),
  };
  return `${JSON.stringify(header).slice(0, -1)},"chats":[`;
}

export function jsonChatStart(chat: Chat, first: boolean): string {
  const fields = {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    created_at: chat.createdAt.toISOString(),
    updated_at: chat.updatedAt.toISOString(),
  };
  return `${first ? "" : ","}\n${JSON.stringify(fields).slice(0, -1)},"messages":[`;
}

/** One message; `parentId` is the previous message's id (null for the first): the chat is a path. */
export function jsonMessage(message: StoredMessage, parentId: string | null): string {
  const fields = {
    id: message.id,
    parent_id: parentId,
    role: message.role,
    content: message.content,
    status: message.status,
    finish_reason: message.finishReason,
    error: message.error,
    token_count: message.tokenCount,
    usage: message.usage && {
      prompt_tokens: message.usage.promptTokens,
      completion_tokens: message.usage.completionTokens,
      total_tokens: message.usage.totalTokens,
      source: message.usage.source,
    },
    cost_micros: message.costMicros,
    created_at: message.createdAt.toISOString(),
    updated_at: message.updatedAt.toISOString(),
  };
  return `${parentId === null ? "" : ","}\n${JSON.stringify(fields)}`;
}

/** Ends a chat: the last message is its active leaf (null for a chat with no messages). */
export function jsonChatEnd(activeLeafId: string | null): string {
  return `],"active_leaf_id":${JSON.stringify(activeLeafId)}}`;
}

export function jsonFileEnd(): string {
  return "\n]}\n";
}
