/** Rows to domain objects: the only place that knows how a Chat or a Message is laid out in columns. */
import {
  maxTitleLength,
  type Chat,
  type Message,
  type MessageStatus,
  type Role,
  type TitleSource,
  type Usage,
} from "../../domain/chat.js";
import { invalidArgument } from "../../domain/errors.js";
import type { MeteredUsage } from "../../domain/usage.js";
import type { ChatRow, MessageRow } from "./schema.js";

/** A `chats` row as the domain's Chat. */
export function toChat(row: ChatRow | Omit<ChatRow, "instructions">): Chat {
  return {
    id: row.id,
    userId: row.userId,
    title: row.title,
    model: row.model,
    // Rows read without the text (chat lists) leave it undefined.
    instructions: "instructions" in row ? row.instructions : undefined,
    instructionsTokens: row.instructionsTokens,
    titleSource: row.titleSource as TitleSource | null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A `messages` row as the domain's Message. Role and status are only ever written from the domain's types. */
export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    chatId: row.chatId,
    seq: row.seq,
    parentId: row.parentId,
    depth: row.depth,
    role: row.role as Role,
    content: row.content,
    tokenCount: row.tokenCount,
    tokenEncoding: row.tokenEncoding,
    status: row.status as MessageStatus,
    finishReason: row.finishReason,
    usage: toUsage(row),
    error: row.error,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

// Usage is stored as three nullable columns (simpler than JSON, which MySQL and MariaDB treat differently);
// it exists only when all three do. A Message's `usage` is the provider's figure, as the live `finished`
// event tells it: our estimates (usage_source `estimate`) stay in the usage tables and never pose as it.
// Rows from before usage_source existed hold only the provider's figure.
function toUsage(
  row: Pick<MessageRow, "promptTokens" | "completionTokens" | "totalTokens" | "usageSource">,
): Usage | null {
  const { promptTokens, completionTokens, totalTokens } = row;
  if (promptTokens === null || completionTokens === null || totalTokens === null) return null;
  if (row.usageSource === "estimate") return null;
  return { promptTokens, completionTokens, totalTokens };
}

/** The usage columns of a reply that ended: its figure, whose it is, and its cost. */
export function usageColumns(usage: MeteredUsage) {
  return {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    totalTokens: usage.totalTokens,
    usageSource: usage.source,
    costMicros: usage.costMicros,
  };
}

/**
 * Cuts text to a column's width in characters (code points, as MySQL counts them), so a long upstream
 * error or finish reason is shortened rather than failing the write that ends a reply.
 */
export function clip(text: string | null, maxCharacters: number): string | null {
  if (text === null) return null;
  const characters = [...text];
  return characters.length <= maxCharacters ? text : characters.slice(0, maxCharacters).join("");
}

/** A column's width in characters, the way MySQL counts them. */
export function characterLength(text: string): number {
  return [...text].length;
}

/** Refuses a title the column cannot hold, as the caller's mistake rather than a storage failure. */
export function assertTitleFits(title: string): void {
  if (characterLength(title) > maxTitleLength) {
    throw invalidArgument(`a chat title is at most ${maxTitleLength} characters`);
  }
}
