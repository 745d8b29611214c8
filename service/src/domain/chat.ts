/** The conversation model: chats, their messages, and the life of a reply. Pure data, no I/O. */

export type Role = "system" | "user" | "assistant";

/**
 * Where a message stands. A user message is `complete` from the start. A reply is `streaming` while it is
 * generated, then ends in exactly one terminal status.
 */
export type MessageStatus = "streaming" | TerminalStatus;

/**
 * - complete: the model finished (finish reason `stop`, `length`, ...).
 * - stopped: a user asked for it to stop (StopReply); the partial answer is kept.
 * - incomplete: cut off: no watcher for the grace period, or the upstream broke mid-answer.
 * - interrupted: the service shut down or crashed while it was generating.
 * - failed: nothing usable came back (the upstream refused or was unreachable); see `error`.
 */
export type TerminalStatus = "complete" | "stopped" | "incomplete" | "interrupted" | "failed";

/** Why a reply whose owner went away (crashed, or lost the database) ended `interrupted`. */
export const ownerGoneError = "the service stopped while answering";

/** The longest chat title, in characters (the column holds exactly this many). */
export const maxTitleLength = 200;

/** Token usage as the provider reported it (`stream_options.include_usage`). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * Where a chat's title comes from: the start of its first message, written by the model after the first
 * answer, or set by the user (never replaced). null: a chat from before titles were tracked (kept as is).
 */
export type TitleSource = "first_message" | "generated" | "user";

export interface Chat {
  id: string;
  userId: string;
  title: string;
  model: string;
  /**
   * The chat's own instructions (its system prompt): null = the service's default, "" = none at all.
   * undefined when not read (chat lists leave the text out; `instructionsTokens` says whether there are).
   */
  instructions?: string | null | undefined;
  /** The tokens of `instructions`, counted once when they were set; null with the service's default. */
  instructionsTokens: number | null;
  titleSource: TitleSource | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A chat is a tree of messages: each has a parent (null for a first message), a user message's children
 * are its replies (several when regenerated), a reply's children the next user messages (several when one
 * was edited). The conversation shown and sent to the model is one path, from a root to a leaf.
 */
export interface Message {
  id: string;
  chatId: string;
  /** The order the chat's messages were written in, 1-based and gap-free; increasing along every path. */
  seq: number;
  /** The message it follows on its path; null for a first message (and its edited versions). */
  parentId: string | null;
  /** Its position on its path, from 1: how many messages the path to it holds, itself included. */
  depth: number;
  role: Role;
  content: string;
  /** Our own count of the content's tokens (tiktoken), computed once when the content was written. */
  tokenCount: number;
  /**
   * The tokenizer encoding `tokenCount` is in: the chat's model's when it was written. Null for messages
   * written before counts were tagged (then: the default model's encoding).
   */
  tokenEncoding?: string | null;
  status: MessageStatus;
  /** The model's finish reason (`stop`, `length`, `content_filter`, ...), when it gave one. */
  finishReason: string | null;
  /** What the provider reported for the request that produced this reply, when it did. */
  usage: Usage | null;
  /** Why a reply failed or was cut off: a short, user-presentable reason. */
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A reply as seen together with the chat it belongs to (the user is needed for scoping). */
export interface Reply extends Message {
  userId: string;
  /** While `streaming`: the process generating it (its lease holder); null once it has ended. */
  owner: string | null;
}

/** Where a message stands among its siblings (the versions that share its parent), oldest first. */
export interface Siblings {
  count: number;
  /** From 0. */
  index: number;
  previousId: string | null;
  nextId: string | null;
}

/** A message as a path shows it: with its siblings, so a client can switch between them. */
export interface PathMessage extends Message {
  siblings: Siblings;
}

/** Whether a message is sent to the model as context: failed replies carry nothing worth sending. */
export function isContextMessage(message: Pick<Message, "role" | "status" | "content">): boolean {
  return message.role !== "system" && message.status !== "failed" && message.content.length > 0;
}

/** A chat's title from its first message: the first line, shortened at a word boundary. */
export function titleFrom(text: string, maxLength = 60): string {
  const firstLine = text.trim().split(/\r?\n/, 1)[0] ?? "";
  const collapsed = firstLine.replace(/\s+/g, " ").trim();
  if ([...collapsed].length <= maxLength) return collapsed || "New chat";
  const cut = [...collapsed].slice(0, maxLength).join("");
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > maxLength / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
