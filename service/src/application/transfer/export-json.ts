/**
 * The Parley JSON export, written piece by piece so a whole history never sits in memory:
 * `{"format":"parley.chats","version":1,"exported_at":…,"chats":[{…chat…,"messages":[…],"active_leaf_id":…}]}`.
 * Field names are snake_case. A chat's messages are its whole tree in the order they were written, each
 * with its `parent_id` (a message before it; regenerated and edited versions share one), and
 * `active_leaf_id` ends the path the chat shows (see docs/export-format.md). Readers ignore fields they
 * do not know: later versions add fields (e.g. per-chat instructions); `version` changes only when an
 * existing field changes meaning.
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

/** One message of a chat's list (`first`: the list's first, with no comma before it). */
export function jsonMessage(message: StoredMessage, first: boolean): string {
  const fields = {
    id: message.id,
    parent_id: message.parentId,
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
  return `${first ? "" : ","}\n${JSON.stringify(fields)}`;
}

/** Ends a chat with the leaf of the path it shows (null for a chat with no messages). */
export function jsonChatEnd(activeLeafId: string | null): string {
  return `],"active_leaf_id":${JSON.stringify(activeLeafId)}}`;
}

export function jsonFileEnd(): string {
  return "\n]}\n";
}
