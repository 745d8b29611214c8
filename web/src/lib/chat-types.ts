/**
 * What the browser sees of chats: plain JSON, no protobuf. The BFF converts the service's messages into
 * these; client components import only these types.
 */

export type TitleSource = "first_message" | "generated" | "user" | "unknown";

export type ReplyStatus = "streaming" | "complete" | "stopped" | "incomplete" | "interrupted" | "failed";

export interface ChatSummary {
  id: string;
  title: string;
  model: string;
  /** Whether the chat has instructions of its own (else the service's default system prompt). */
  customInstructions: boolean;
  /** The tokens of the system prompt the chat sends with every message (0: none). */
  instructionsTokens: number;
  /** Where the title comes from: a generated one may still replace a `first_message` title. */
  titleSource: TitleSource;
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
  /** The message it follows (conversations are trees); null for the chat's first message. */
  parentId: string | null;
  /** How many versions share its parent (regenerated answers, edited messages); 1: never redone. */
  siblingCount: number;
  /** Which version this is, from 0, oldest first (shown as `siblingIndex + 1 / siblingCount`). */
  siblingIndex: number;
  /** The neighbouring versions' ids, to switch to (`chat.setActiveBranch`); null at either end. */
  previousSiblingId: string | null;
  nextSiblingId: string | null;
}

export interface ChatPage {
  chat: ChatSummary;
  /** The chat's own instructions: null = the service's default; "" = no system prompt at all. */
  instructions: string | null;
  /** Conversation order, oldest first. */
  messages: ChatMessage[];
  /** Leads to older messages; null when these are the oldest. */
  olderCursor: string | null;
  /**
   * How much of the context window the chat's latest reply with usage took (provider-reported prompt
   * tokens); null until a reply has reported usage. `messagesLeftOut` is only known live (0 here).
   */
  context: ContextStats | null;
  /** The message the path shown ends at (the chat's active leaf); null for a chat with no messages. */
  leafId: string | null;
}

export interface ContextStats {
  tokensUsed: number;
  contextWindow: number;
  maxOutputTokens: number;
  messagesLeftOut: number;
  /** Of `tokensUsed`, the pinned system prompt's (the chat's instructions or the default); 0: none. */
  systemPromptTokens?: number;
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
