/** deleteChat: the user removes a chat and all its messages. */
import { chatNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import { liveElsewhere } from "../replies/watch-reply.js";

export interface DeleteChatInput {
  userId: string;
  chatId: string;
}

/** How long a delete waits for a reply generated elsewhere to stop before deleting anyway. */
const stopElsewhereWaitMs = 2_000;

/**
 * Deletes a chat, first stopping its live reply — here, or at its owner elsewhere — so nothing goes on
 * generating (and billing) for a deleted chat. When the owner cannot be reached the chat is deleted
 * anyway: its reply's final write then finds nothing.
 */
export async function deleteChat(deps: ChatUseCaseDeps, input: DeleteChatInput): Promise<void> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const chat = await deps.repository.findChat(userId, chatId);
  if (!chat) throw chatNotFound(chatId);
  const local = deps.hub.liveReplyOfChat(userId, chatId);
  if (local) await local.abort("stopped");
  else await stopElsewhere(deps, userId, chatId);
  if (!(await deps.repository.deleteChat(userId, chatId))) throw chatNotFound(chatId);
}

async function stopElsewhere(deps: ChatUseCaseDeps, userId: string, chatId: string): Promise<void> {
  if (!deps.hub.shared) return;
  const live = await deps.repository.findLiveReply(userId, chatId);
  const elsewhere = live && liveElsewhere(deps.hub, live);
  if (!elsewhere) return;
  await deps.hub.elsewhere.stop(elsewhere, stopElsewhereWaitMs).catch((error: unknown) => {
    deps.logger.warn("could not stop a deleted chat's reply at its owner", { chatId, error: String(error) });
  });
}
