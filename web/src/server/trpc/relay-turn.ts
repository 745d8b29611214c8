/**
 * A turn's reply relayed to the browser (SendMessage, RegenerateReply, EditMessage): the first time the
 * turn is started; when the browser reconnects with its last event's id, the reply that turn started is
 * resumed from there with WatchReply instead, so a dropped connection never starts the turn twice.
 */
import "server-only";
import type { ReplyEvent as ProtoReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import type { TrackedEnvelope } from "@trpc/server";
import type { ReplyEvent } from "~/lib/chat-types";
import type { Logger } from "../logger";
import type { ChatServiceClient } from "../service/chat-service-client";
import { parseEventId } from "./event-id";
import { relayReply } from "./relay-reply";
import { resilientWatch } from "./resilient-watch";

export interface RelayTurnOptions {
  ctx: { chat: ChatServiceClient; userId: string; log: Logger };
  /** The SSE id the browser last received, when it is reconnecting. */
  lastEventId: string | null | undefined;
  signal: AbortSignal | undefined;
  /** The service call that starts the turn (e.g. "SendMessage"), for logs and metrics. */
  operation: string;
  /** Starts the turn; its call must use `signal`. */
  start(): AsyncIterable<{ event?: ProtoReplyEvent | undefined }>;
}

/**
 * Not a generator of its own: it returns the relay (one async generator less for every event). The relay
 * starts the turn only when it is first read, as a generator body would.
 */
export function relayTurn(options: RelayTurnOptions): AsyncGenerator<TrackedEnvelope<ReplyEvent>> {
  const { ctx, signal } = options;
  const resume = parseEventId(options.lastEventId);
  if (resume) {
    return relayReply({
      events: resilientWatch({
        open: (fromOffset) =>
          ctx.chat.watchReply({ replyId: resume.replyId, userId: ctx.userId, fromOffset }, { signal }),
        fromOffset: resume.offset,
        signal,
        log: ctx.log,
      }),
      fromOffset: resume.offset,
      replyId: resume.replyId,
      signal,
      log: ctx.log,
      operation: "WatchReply",
    });
  }
  return relayReply({
    events: { [Symbol.asyncIterator]: () => options.start()[Symbol.asyncIterator]() },
    fromOffset: 0,
    signal,
    log: ctx.log,
    operation: options.operation,
  });
}
