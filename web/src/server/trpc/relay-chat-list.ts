/**
 * WatchChats for the browser: each event as a `ChatListChange`. When the service's hub between replicas
 * blinks (`hub.unavailable`) or the watch ends, it is opened again with backoff; its new `ready` tells the
 * browser to list again, so nothing changed meanwhile is missed. Other errors end the subscription.
 */
import "server-only";
import { ConnectError } from "@connectrpc/connect";
import type { ChatListEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import type { ChatListChange } from "~/lib/chat-list-change";
import { toChatSummary } from "../service/to-view";
import type { Logger } from "../logger";
import { serviceReason, toTRPCError } from "./connect-errors";
import { abortableSleep } from "./abortable-sleep";

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
  const { signal, log } = options;
  const firstWaitMs = options.firstWaitMs ?? 250;
  let waitMs = firstWaitMs;
  while (!signal?.aborted) {
    try {
      for await (const { event } of options.open()) {
        const change = toChatListChange(event);
        if (change?.type === "ready") waitMs = firstWaitMs;
        if (change) yield change;
      }
    } catch (error) {
      if (signal?.aborted) return;
      const reason = error instanceof ConnectError ? serviceReason(error) : null;
      if (reason !== "hub.unavailable") throw toTRPCError(error, log, "WatchChats");
      log.info("the service's hub blinked; reopening the chat list watch", { retryInMs: waitMs });
    }
    await abortableSleep(waitMs, signal);
    waitMs = Math.min(waitMs * 2, options.maxWaitMs ?? 5_000);
  }
}
