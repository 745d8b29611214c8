/**
 * chat.*: the browser's whole view of conversations, each procedure one call to the chat service on the
 * signed-in user's behalf. `send`, `watch`, `watchList` and `watchChat` are SSE subscriptions; the rest go
 * over the batch link.
 */
import "server-only";
import { z } from "zod";
import type { ChatPage, ChatSummary, ReplyStatus } from "~/lib/chat-types";
import { maxTitleLength } from "~/lib/limits";
import { toChatMessage, toChatSummary, toContextStats, toReplyStatus } from "../../service/to-view";
import {
  cursor,
  id,
  instructionsText,
  lastEventId,
  messageText,
  modelId,
  requestId,
  unaryTimeoutMs,
} from "../chat-inputs";
import { callService } from "../connect-errors";
import { parseEventId } from "../event-id";
import { createRouter, protectedProcedure } from "../init";
import { relayChat } from "../relay-chat";
import { relayChatList } from "../relay-chat-list";
import { relayReply } from "../relay-reply";
import { relayTurn } from "../relay-turn";
import { resilientWatch } from "../resilient-watch";
import { chatBranchProcedures } from "./chat-branch";

export const chatRouter = createRouter({
  /** The user's chats, most recently active first, a page at a time. */
  list: protectedProcedure
    .input(z.object({ cursor, limit: z.number().int().min(1).max(100).default(30) }).default({ limit: 30 }))
    .query(async ({ ctx, input }): Promise<{ chats: ChatSummary[]; nextCursor: string | null }> => {
      const page = await callService(ctx.log, "ListChats", () =>
        ctx.chat.listChats(
          { userId: ctx.userId, pageSize: input.limit, pageToken: input.cursor ?? "" },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return { chats: page.chats.map(toChatSummary), nextCursor: page.nextPageToken || null };
    }),

  /**
   * A chat with the latest messages of its active path (or of the path to `leafId`); with `cursor`, the
   * page before.
   */
  get: protectedProcedure
    .input(z.object({ chatId: id, cursor, leafId: id.nullish() }))
    .query(async ({ ctx, input }): Promise<ChatPage> => {
      const page = await callService(ctx.log, "GetChat", () =>
        ctx.chat.getChat(
          {
            chatId: input.chatId,
            userId: ctx.userId,
            pageSize: 50,
            pageToken: input.cursor ?? "",
            leafId: input.leafId ?? "",
          },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return {
        chat: toChatSummary(page.chat),
        instructions: page.chat?.instructions ?? null,
        messages: page.messages.map(toChatMessage),
        olderCursor: page.nextPageToken || null,
        context: toContextStats(page.context),
        leafId: page.leafId || null,
      };
    }),

  rename: protectedProcedure
    .input(
      z.object({
        chatId: id,
        title: z.string().trim().min(1, "The title cannot be empty.").max(maxTitleLength),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<ChatSummary> => {
      const renamed = await callService(ctx.log, "RenameChat", () =>
        ctx.chat.renameChat(
          { chatId: input.chatId, userId: ctx.userId, title: input.title },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return toChatSummary(renamed.chat);
    }),

  /** Picks the model the chat answers with from its next message on. */
  setModel: protectedProcedure
    .input(z.object({ chatId: id, model: modelId }))
    .mutation(async ({ ctx, input }): Promise<ChatSummary> => {
      const changed = await callService(ctx.log, "SetChatModel", () =>
        ctx.chat.setChatModel(
          { chatId: input.chatId, userId: ctx.userId, model: input.model },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return toChatSummary(changed.chat);
    }),

  /** Sets a chat's own instructions; null: back to the service's default; "": no system prompt. */
  setInstructions: protectedProcedure
    .input(z.object({ chatId: id, instructions: instructionsText.nullable() }))
    .mutation(async ({ ctx, input }): Promise<{ chat: ChatSummary; instructions: string | null }> => {
      const set = await callService(ctx.log, "SetChatInstructions", () =>
        ctx.chat.setChatInstructions(
          {
            chatId: input.chatId,
            userId: ctx.userId,
            ...(input.instructions !== null && { instructions: input.instructions }),
          },
          { timeoutMs: unaryTimeoutMs },
        ),
      );
      return { chat: toChatSummary(set.chat), instructions: set.chat?.instructions ?? null };
    }),

  delete: protectedProcedure.input(z.object({ chatId: id })).mutation(async ({ ctx, input }) => {
    await callService(ctx.log, "DeleteChat", () =>
      ctx.chat.deleteChat({ chatId: input.chatId, userId: ctx.userId }, { timeoutMs: unaryTimeoutMs }),
    );
    return { chatId: input.chatId };
  }),

  /** Stops a reply being written; the partial answer is kept as `stopped`. */
  stop: protectedProcedure
    .input(z.object({ replyId: id }))
    .mutation(async ({ ctx, input }): Promise<{ status: ReplyStatus }> => {
      const stopped = await callService(ctx.log, "StopReply", () =>
        ctx.chat.stopReply({ replyId: input.replyId, userId: ctx.userId }, { timeoutMs: unaryTimeoutMs }),
      );
      return { status: toReplyStatus(stopped.status) };
    }),

  /**
   * Sends a message (a new chat when `chatId` is empty) and streams the reply. A reconnect carries the
   * last event's id: the reply is then resumed from that offset with WatchReply, never sent twice.
   */
  send: protectedProcedure
    .input(
      z.object({
        chatId: id.nullish(),
        text: messageText,
        model: modelId.nullish(),
        instructions: instructionsText.nullish(),
        /** The browser's id for this send (a UUID): a retry with the same id is the same send. */
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
        operation: "SendMessage",
        start: () =>
          ctx.chat.sendMessage(
            {
              chatId: input.chatId ?? "",
              userId: ctx.userId,
              text: input.text,
              model: input.model ?? "",
              requestId: input.requestId ?? "",
              // Only a new chat takes instructions with its first message.
              ...(!input.chatId &&
                typeof input.instructions === "string" && { instructions: input.instructions }),
            },
            { signal },
          ),
      }),
    ),

  /** The user's chat list, live: `ready` (list now), then each chat created, updated or deleted. */
  watchList: protectedProcedure.subscription(async function* ({ ctx, signal }) {
    yield* relayChatList({
      open: () => ctx.chat.watchChats({ userId: ctx.userId }, { signal }),
      signal,
      log: ctx.log,
    });
  }),

  /**
   * One chat, live (another tab's or device's answer typing, renames, model changes, deletion): `ready`
   * with the chat as it is, then each reply from its start, each change, and `deleted` last.
   */
  watchChat: protectedProcedure.input(z.object({ chatId: id })).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    yield* relayChat({
      chatId: input.chatId,
      open: () => ctx.chat.watchChat({ chatId: input.chatId, userId: ctx.userId }, { signal }),
      signal,
      log: ctx.log,
    });
  }),

  /**
   * Follows a reply from `fromOffset` code points (e.g. the length of the text a reloaded page already
   * shows): the rest of its text, then live deltas until it ends.
   */
  watch: protectedProcedure
    .input(z.object({ replyId: id, fromOffset: z.number().int().min(0).max(100_000_000), lastEventId }))
    .subscription(async function* ({ ctx, input, signal }) {
      const resume = parseEventId(input.lastEventId);
      const fromOffset = resume?.replyId === input.replyId ? resume.offset : input.fromOffset;
      yield* relayReply({
        events: resilientWatch({
          open: (from) =>
            ctx.chat.watchReply({ replyId: input.replyId, userId: ctx.userId, fromOffset: from }, { signal }),
          fromOffset,
          signal,
          log: ctx.log,
        }),
        fromOffset,
        replyId: input.replyId,
        signal,
        log: ctx.log,
        operation: "WatchReply",
      });
    }),

  ...chatBranchProcedures,
});
