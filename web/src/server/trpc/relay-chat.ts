/**
 * WatchChat for the browser: one chat, live, each event as a `ChatWatchEvent`. The summary that starts
 * each watch is `ready` (catch up), later ones `changed`; reply events go as the browser's `ReplyEvent`s
 * (untracked: a reopened watch tells a live reply again from its start, and the browser's reducer cuts
 * what it already has). A hub blink reopens the watch (`reopenWatch`, shared with the chat list). A chat
 * that is not found (deleted while the watch was down, or before it opened) ends the stream as `deleted`,
 * like a deletion told live; other errors end the subscription as tRPC errors.
 */
import "server-only";
import { Code, ConnectError } from "@connectrpc/connect";
import type { WatchChatResponse } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatWatchEvent } from "~/lib/chat-watch-event";
import type { Logger } from "../logger";
import { toChatSummary, toReplyEvent } from "../service/to-view";
import { toTRPCError } from "./connect-errors";
import { reopenWatch } from "./reopen-watch";

export interface RelayChatOptions {
  chatId: string;
  /** Opens WatchChat (its call must use `signal`). */
  open(): AsyncIterable<WatchChatResponse>;
  signal: AbortSignal | undefined;
  log: Logger;
  /** First wait before reopening (doubling, up to `maxWaitMs`), in ms. */
  firstWaitMs?: number;
  maxWaitMs?: number;
}

/** One service event for the browser; `first` marks the watch's opening summary. */
export function toChatWatchEvent(response: WatchChatResponse, first: boolean): ChatWatchEvent | null {
  const kind = response.kind;
  switch (kind.case) {
    case "chat":
      return { type: first ? "ready" : "changed", chat: toChatSummary(kind.value) };
    case "reply": {
      const event = toReplyEvent(kind.value);
      return event && { type: "reply", event };
    }
    case "deleted":
      return { type: "deleted", chatId: kind.value.chatId };
    case "branch":
      return { type: "branch", leafId: kind.value.leafId };
    default:
      return null;
  }
}

export async function* relayChat(options: RelayChatOptions): AsyncGenerator<ChatWatchEvent> {
  const { open, chatId, ...rest } = options;
  try {
    yield* reopenWatch({
      ...rest,
      name: "chat watch",
      async *open() {
        let first = true;
        for await (const response of open()) {
          const event = toChatWatchEvent(response, first);
          first = false;
          if (event) yield event;
        }
      },
      listening: (event) => event.type === "ready",
      last: (event) => event.type === "deleted",
    });
  } catch (error) {
    if (ConnectError.from(error).code === Code.NotFound) {
      yield { type: "deleted", chatId };
      return;
    }
    throw toTRPCError(error, options.log, "WatchChat");
  }
}
