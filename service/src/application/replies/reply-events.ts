/** What watchers of a reply receive, in order: one `started`, `delta`s, one `finished`. */
import type { TerminalStatus, Usage } from "../../domain/chat.js";
import type { DomainErrorCode } from "../../domain/errors.js";

export interface ContextStats {
  tokensUsed: number;
  contextWindow: number;
  maxOutputTokens: number;
  messagesLeftOut: number;
  /** Of `tokensUsed`, the pinned system prompt's tokens (0: none). */
  systemPromptTokens?: number;
}

export interface ReplyStartedEvent {
  type: "started";
  chatId: string;
  userMessageId: string;
  replyId: string;
  model: string;
  /** Only for the sender: how the prompt was fitted. */
  context: ContextStats | null;
}

export interface ReplyDeltaEvent {
  type: "delta";
  text: string;
  /** Where `text` starts in the reply, in Unicode code points. */
  offset: number;
}

export interface ReplyFinishedEvent {
  type: "finished";
  status: TerminalStatus;
  finishReason: string | null;
  usage: Usage | null;
  error: string | null;
  /** Why it did not complete, for the protocol adapters to pick a status code; null when it did. */
  errorCode: DomainErrorCode | null;
  /** The reply's length in code points. */
  length: number;
}

export type ReplyEvent = ReplyStartedEvent | ReplyDeltaEvent | ReplyFinishedEvent;
