/** stopReply: the user wants the answer to stop now. The partial answer is kept, status `stopped`. */
import type { MessageStatus } from "../../domain/chat.js";
import { replyNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import { liveElsewhere } from "./watch-reply.js";

export interface StopReplyInput {
  replyId: string;
  userId: string;
}

/**
 * Returns `stopped` when this call stopped it, else the status the reply already had (or got: a reply
 * whose owner is gone ends `interrupted` once its lease runs out, and the call waits for that).
 */
export async function stopReply(deps: ChatUseCaseDeps, input: StopReplyInput): Promise<MessageStatus> {
  const userId = requireUserId(input.userId);
  const replyId = requireId(input.replyId, "reply_id");
  const stored = await deps.repository.findReply(userId, replyId);
  if (!stored || stored.role !== "assistant") throw replyNotFound(replyId);
  const live = deps.hub.reply(replyId);
  if (live) return (await live.abort("stopped")).status;
  const elsewhere = liveElsewhere(deps.hub, stored);
  if (!elsewhere) return stored.status;
  const ended = await deps.hub.elsewhere.stop(elsewhere, deps.hub.stopElsewhereWaitMs);
  return ended?.status ?? (await deps.repository.findReply(userId, replyId))?.status ?? stored.status;
}
