/**
 * Relays a reply stream from the service (SendMessage or WatchReply) to a tRPC subscription: each event
 * becomes plain JSON, `tracked` with `<reply id>:<offset>` so a reconnecting browser resumes where it was.
 */
import "server-only";
import type { ReplyEvent as ProtoReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { tracked, type TrackedEnvelope } from "@trpc/server";
import { codePointLength, sliceFromCodePoint } from "~/lib/code-points";
import type { ReplyEvent } from "~/lib/chat-types";
import type { Logger } from "../logger";
import { toContextStats, toReplyStatus } from "../service/to-view";
import { toTRPCError } from "./connect-errors";
import { formatEventId } from "./event-id";

export interface RelayOptions {
  /** The service's stream; its call must use `signal`. */
  events: AsyncIterable<{ event?: ProtoReplyEvent | undefined }>;
  /** Code points the browser already has (0 for a new reply). Anything before it is not sent again. */
  fromOffset: number;
  /** The reply being resumed, when known before its `started` event. */
  replyId?: string;
  signal: AbortSignal | undefined;
  log: Logger;
  operation: string;
}

export async function* relayReply(options: RelayOptions): AsyncGenerator<TrackedEnvelope<ReplyEvent>> {
  let replyId = options.replyId ?? "";
  let offset = options.fromOffset;
  let finished = false;
  const emit = (event: ReplyEvent) => tracked(formatEventId({ replyId, offset }), event);
  try {
    for await (const { event } of options.events) {
      const kind = event?.kind;
      if (!kind || finished) continue;
      if (kind.case === "started") {
        replyId = kind.value.replyId;
        yield emit({
          type: "started",
          chatId: kind.value.chatId,
          replyId,
          userMessageId: kind.value.userMessageId,
          model: kind.value.model,
          context: toContextStats(kind.value.context),
        });
      } else if (kind.case === "delta") {
        // The service starts replays at our offset; this guards the browser's text against overlap anyway.
        const overlap = offset - kind.value.offset;
        const text = overlap > 0 ? sliceFromCodePoint(kind.value.text, overlap) : kind.value.text;
        if (text.length === 0) continue;
        const start = Math.max(offset, kind.value.offset);
        offset = start + codePointLength(text);
        yield emit({ type: "delta", text, offset: start });
      } else if (kind.case === "finished") {
        finished = true;
        const status = toReplyStatus(kind.value.status);
        if (kind.value.error) {
          options.log.warn("reply ended badly", { replyId, status, reason: kind.value.error });
        }
        yield emit({
          type: "finished",
          status,
          finishReason: kind.value.finishReason,
          length: kind.value.length,
        });
      }
    }
  } catch (error) {
    // A cut reply sends `finished` and then an error status: the browser has the whole story already.
    if (finished) return;
    // The browser went away (tab closed, stream unsubscribed): nobody to tell.
    if (options.signal?.aborted) return;
    throw toTRPCError(error, options.log, options.operation);
  }
}
