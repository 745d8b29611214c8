/**
 * sendMessage: the user says something; the chat gets their message after its active leaf (a new chat
 * when none is named) and a reply starts generating (see turn.ts).
 */
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireMessageText, requireUserId } from "../input-rules.js";
import { startReply, turnRequestOf } from "./turn.js";

export interface SendMessageInput {
  /** Empty or undefined starts a new chat. */
  chatId?: string | undefined;
  userId: string;
  text: string;
  /** A model id of the catalog; absent: the chat's model (a new chat: the default). */
  model?: string | undefined;
  /** For a new chat only: its own instructions (undefined/null: the default; "": no system prompt). */
  instructions?: string | null | undefined;
  /**
   * The client's id for this send (safe retries, see send-requests.ts); empty or absent: none. A retry
   * with the same id attaches to the first attempt's reply; the same id with another body is refused.
   */
  requestId?: string | undefined;
  /** The caller's signal: when it aborts the caller stops watching (the reply goes on). */
  signal?: AbortSignal | undefined;
}

export async function sendMessage(deps: ChatUseCaseDeps, input: SendMessageInput) {
  const userId = requireUserId(input.userId);
  const text = requireMessageText(input.text, deps.settings.maxMessageBytes);
  const chatId = input.chatId ? requireId(input.chatId, "chat_id") : null;
  const fields = [chatId, input.text, input.model || null, input.instructions ?? null];
  return startReply(deps, {
    userId,
    chatId,
    text,
    model: input.model,
    instructions: input.instructions,
    request: turnRequestOf(input.requestId, "send", fields),
    signal: input.signal,
  });
}
