/**
 * What the browser sees of chats: plain JSON, no protobuf. The BFF converts the service's messages into
 * these; client components import only these types.
 */

export type ReplyStatus = "streaming" | "complete" | "stopped" | "incomplete" | "interrupted" | "failed";

export interface ChatSummary {
  id: string;
  title: string;
  model: string;
  createdAt: string;
  updatedAt: string;
}

export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  status: ReplyStatus;
  finishReason: string;
  createdAt: string;
}

export interface ChatPage {
  chat: ChatSummary;
  /** Conversation order, oldest first. */
  messages: ChatMessage[];
  /** Leads to older messages; null when these are the oldest. */
  olderCursor: string | null;
  /**
   * How much of the context window the chat's latest reply with usage took (provider-reported prompt
   * tokens); null until a reply has reported usage. `messagesLeftOut` is only known live (0 here).
   */
  context: ContextStats | null;
}

export interface ContextStats {
  tokensUsed: number;
  contextWindow: number;
  maxOutputTokens: number;
  messagesLeftOut: number;
}

/** One step of a reply's stream, as the `chat.send` and `chat.watch` subscriptions yield it. */
export type ReplyEvent =
  | {
      type: "started";
      chatId: string;
      replyId: string;
      /** Empty when re-attaching to a reply (chat.watch or a resumed chat.send). */
      userMessageId: string;
      model: string;
      /** Absent when re-attaching. */
      context: ContextStats | null;
    }
  | { type: "delta"; text: string; offset: number }
  | { type: "finished"; status: ReplyStatus; finishReason: string; length: number };
