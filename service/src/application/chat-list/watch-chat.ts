/**
 * watchChat: one chat, live. It starts with the chat's summary (once it listens, so nothing falls in
 * between), then — if a reply is live — that reply from its start (`started`, the text so far, live
 * deltas, `finished`), then each new reply the same way, renames and other changes as `chat` events, and
 * `deleted` last. Works across replicas: the chat events come over the per-user channel and a reply
 * generated elsewhere is followed through the bus (watch-reply.ts).
 *
 * A new turn's chat event is published once the turn commits, which may be before its reply job runs:
 * the watch then finds the reply's row (the chat's newest messages) and waits briefly for its job (see
 * `openReply`). Each reply is told once, in order: the watch remembers the position (seq) of the last
 * one it told and, after each chat event or reply end, tells the next one after it — live, or replayed
 * from storage when it started and ended between two looks (two turns in quick succession). Chat events that come while a reply streams are
 * told between its events. Bounded with WatchChats: one shared count of watches per user.
 */
import type { Chat, Message } from "../../domain/chat.js";
import { chatNotFound } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { requireId, requireUserId } from "../input-rules.js";
import type { ReplyEvent } from "../replies/reply-events.js";
import { watchFoundReply } from "../replies/watch-reply.js";
import { chatSummary } from "./chat-events.js";
import type { ChatWatches } from "./watch-chats.js";

export type ChatWatchEvent =
  | { type: "chat"; chat: Chat }
  | { type: "reply"; event: ReplyEvent }
  | { type: "branch"; leafId: string }
  | { type: "deleted"; chatId: string };

export interface WatchChatInput {
  chatId: string;
  userId: string;
  signal: AbortSignal;
}

export async function* watchChat(
  deps: ChatUseCaseDeps,
  watches: ChatWatches,
  input: WatchChatInput,
): AsyncGenerator<ChatWatchEvent> {
  const userId = requireUserId(input.userId);
  const chatId = requireId(input.chatId, "chat_id");
  const { signal } = input;
  watches.hold(userId);
  // What the listener saw since the watch last looked.
  let changed: Chat | null = null;
  let branch: string | null = null;
  let deleted = false;
  let lost = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  signal.addEventListener("abort", notify, { once: true });
  let unsubscribe = () => undefined as void;
  try {
    unsubscribe = await watches.chatEvents.subscribe(userId, {
      event(event) {
        if (event.type === "deleted") {
          if (event.chatId !== chatId) return;
          deleted = true;
        } else if (event.type === "resync") lost = true;
        else if (event.type === "branch") {
          if (event.chatId !== chatId) return;
          branch = event.leafId;
        } else if (event.chat.id === chatId) changed = event.chat;
        else return;
        notify();
      },
      lost() {
        lost = true;
        notify();
      },
    });
    const chat = await deps.repository.findChat(userId, chatId);
    if (!chat) throw chatNotFound(chatId);
    changed = null; // the summary read now is at least as new
    // The newest message seen (read before the first event, so a reply after it is new whenever the
    // client reads on). A reply live now is the chat's current state: told from its start.
    const live = await deps.repository.findLiveReply(userId, chatId);
    let seen = live ? live.seq - 1 : await newestSeq(deps, chatId);
    yield { type: "chat", chat: chatSummary(chat) };

    /** Pending chat-level news, as events; `end` when the chat is gone. */
    const news = async (): Promise<{ events: ChatWatchEvent[]; end: boolean }> => {
      if (lost) {
        lost = false;
        const now = await deps.repository.findChat(userId, chatId);
        if (!now) deleted = true;
        else changed = chatSummary(now);
      }
      if (deleted) return { events: [{ type: "deleted", chatId }], end: true };
      const events: ChatWatchEvent[] = [];
      if (changed) events.push({ type: "chat", chat: changed });
      if (branch !== null) events.push({ type: "branch", leafId: branch });
      changed = null;
      branch = null;
      return { events, end: false };
    };

    let look = true; // whether a new reply may have started since the watch last looked
    while (!signal.aborted) {
      const told = await news();
      if (told.events.length > 0) look = true;
      yield* told.events;
      if (told.end) return;
      if (look) {
        look = false;
        const next = await firstReplyAfter(deps, chatId, seen);
        if (next) {
          seen = next.seq;
          // The one read of the reply's row (its owner and status): watchFoundReply does not read it again.
          const reply = await deps.repository.findReply(userId, next.id);
          let finished = false;
          try {
            const events = reply && (await watchFoundReply(deps, reply, 0, signal));
            for await (const event of events ?? []) {
              yield { type: "reply", event };
              if (event.type === "finished") finished = true;
              const between = await news();
              yield* between.events;
              if (between.end) return;
            }
          } catch (error) {
            // A reply that ended badly was told by its `finished`; the chat goes on being watched.
            if (!finished || signal.aborted) throw error;
          }
          look = true;
          continue;
        }
      }
      // Checked in the same tick as the wait: an abort or event during the reads above is not slept through.
      if (!changed && branch === null && !deleted && !lost && !signal.aborted)
        await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal.removeEventListener("abort", notify);
    unsubscribe();
    watches.release(userId);
  }
}

/** How many of a chat's newest messages a watch reads to find the replies it has not told yet. */
const catchUpMessages = 16;

async function newestSeq(deps: ChatUseCaseDeps, chatId: string): Promise<number> {
  for await (const message of deps.repository.messagesNewestFirst(chatId, Number.MAX_SAFE_INTEGER, 1))
    return message.seq;
  return 0;
}

/**
 * The oldest reply after `seq` among the chat's newest messages (bounded: replies that many messages
 * back are not told), so replies that started and ended between two looks are told too, in order.
 */
async function firstReplyAfter(deps: ChatUseCaseDeps, chatId: string, seq: number) {
  let first: Message | undefined;
  let read = 0;
  for await (const message of deps.repository.messagesNewestFirst(
    chatId,
    Number.MAX_SAFE_INTEGER,
    catchUpMessages,
  )) {
    if (message.seq <= seq) break;
    if (message.role === "assistant") first = message;
    if (++read >= catchUpMessages) break;
  }
  return first;
}
