/**
 * WatchChats for the browser: each event as a `ChatListChange`. When the service's hub between replicas
 * blinks (`hub.unavailable`) or the watch ends, it is opened again with backoff (`reopenWatch`); its new
 * `ready` tells the browser to list again, so nothing changed meanwhile is missed. Other errors end the
 * subscription.
 */
import "server-only";
import type { ChatListEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatListChange } from "~/lib/chat-list-change";
import { toChatSummary } from "../service/to-view";
import type { Logger } from "../logger";
import { toTRPCError } from "./connect-errors";
import { reopenWatch } from "./reopen-watch";

export interface RelayChatListOptions {
  open(): AsyncIterable<{ event?: ChatListEvent | undefined }>;
  signal: AbortSignal | undefined;
  log: Logger;
  /** First wait before reopening (doubling, up to `maxWaitMs`), in ms. */
  firstWaitMs?: number;
  maxWaitMs?: number;
}

export function toChatListChange(event: ChatListEvent | undefined): ChatListChange | null {
  const kind = event?.kind;
  switch (kind?.case) {
    case "ready":
    case "resync":
      return { type: kind.case };
    case "created":
    case "updated":
      return { type: kind.case, chat: toChatSummary(kind.value) };
    case "deleted":
      return { type: "deleted", chatId: kind.value.chatId };
    default:
      return null;
  }
}

export async function* relayChatList(options: RelayChatListOptions): AsyncGenerator<ChatListChange> {
  const { open, ...rest } = options;
  try {
    yield* reopenWatch({
      ...rest,
      name: "chat list watch",
      async *open() {
        for await (const { event } of open()) {
          const change = toChatListChange(event);
          if (change) yield change;
        }
      },
      listening: (change) => change.type === "ready",
    });
  } catch (error) {
    throw toTRPCError(error, options.log, "WatchChats");
  }
}
