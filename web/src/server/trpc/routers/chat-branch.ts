/**
 * chat.* for conversations that branch: another answer to a message (`regenerate`), a new version of one
 * of the user's messages (`edit`), both streamed exactly as `chat.send` streams (the same tracked ids,
 * the same resume with WatchReply, the same request id for a safe retry), and `setActiveBranch`, which
 * picks the path the chat shows. Spread into the chat router.
 */
import "server-only";
import { z } from "zod";
import { callService } from "../connect-errors";
import { id, lastEventId, messageText, modelId, requestId, unaryTimeoutMs } from "../chat-inputs";
import { protectedProcedure } from "../init";
import { relayTurn } from "../relay-turn";

export const chatBranchProcedures = {
  /** Writes another answer beside `messageId` (a reply; or a user message: answered again). */
  regenerate: protectedProcedure
    .input(z.object({ chatId: id, messageId: id, model: modelId.nullish(), requestId, lastEventId }))
    .subscription(({ ctx, input, signal }) =>
      // The relay is the subscription itself: no generator around it re-yielding each event.
      relayTurn({
        ctx,
        lastEventId: input.lastEventId,
        signal,
        operation: "RegenerateReply",
        start: () =>
          ctx.chat.regenerateReply(
            {
              chatId: input.chatId,
              userId: ctx.userId,
              messageId: input.messageId,
              model: input.model ?? "",
              requestId: input.requestId ?? "",
            },
            { signal },
          ),
      }),
    ),

  /** Sends `text` as a new version of the user's message `messageId`, and streams its answer. */
  edit: protectedProcedure
    .input(
      z.object({
        chatId: id,
        messageId: id,
        text: messageText,
        model: modelId.nullish(),
        requestId,
        lastEventId,
      }),
    )
    .subscription(({ ctx, input, signal }) =>
      // The relay is the subscription itself: no generator around it re-yielding each event.
      relayTurn({
        ctx,
        lastEventId: input.lastEventId,
        signal,
        operation: "EditMessage",
        start: () =>
          ctx.chat.editMessage(
            {
              chatId: input.chatId,
              userId: ctx.userId,
              messageId: input.messageId,
              text: input.text,
              model: input.model ?? "",
              requestId: input.requestId ?? "",
            },
            { signal },
          ),
      }),
    ),

  /** Shows the path through `messageId` (down to its newest leaf), on every device; returns that leaf. */
  setActiveBranch: protectedProcedure
    .input(z.object({ chatId: id, messageId: id }))
    .mutation(async ({ ctx, input }): Promise<{ leafId: string }> => {
      const set = await callService(ctx.log, "SetActiveBranch", () =>
        ctx.chat.setActiveBranch(
          { chatId: input.chatId, userId: ctx.userId, messageId: input.messageId },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return { leafId: set.leafId };
    }),
};
