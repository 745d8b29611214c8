/**
 * Relays a reply stream from the service (SendMessage or WatchReply) to a tRPC subscription: each event
 * becomes plain JSON, `tracked` with `<reply id>:<offset>` so a reconnecting browser resumes where it was.
 *
 * Deltas are forwarded as the service sends them, offsets and all: the service starts each stream at the
 * offset it is asked for (`fromOffset`, from the browser's last event id or its text's length), so there
 * is nothing to trim here. Overlapping text is reconciled in one place on the web side, the browser's
 * reducer (`reduceLiveReplies`), the only party that knows what text it already shows.
 */
import "server-only";
import type { ReplyEvent as ProtoReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { tracked, type TrackedEnvelope } from "@trpc/server";
import { codePointLength } from "~/lib/code-points";
import type { ReplyEvent } from "~/lib/chat-types";
import type { Logger } from "../logger";
import { observeReplyStream } from "../metrics/reply-stream-metrics";
import { toReplyEvent } from "../service/to-view";
import { toTRPCError } from "./connect-errors";
import { formatEventId } from "./event-id";

export interface RelayOptions {
  /** The service's stream; its call must use `signal`. */
  events: AsyncIterable<{ event?: ProtoReplyEvent | undefined }>;
  /** Code points the browser already has (0 for a new reply): the offset the service starts at. */
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
  const observed = observeReplyStream(options.operation);
  try {
    for await (const { event } of options.events) {
      const next = finished ? null : toReplyEvent(event);
      if (!next) continue;
      if (next.type === "started") {
        replyId = next.replyId;
      } else if (next.type === "delta") {
        offset = next.offset + codePointLength(next.text);
        observed.delta();
      } else {
        finished = true;
        const reason = event?.kind.case === "finished" ? event.kind.value.error : "";
        if (reason) options.log.warn("reply ended badly", { replyId, status: next.status, reason });
      }
      yield emit(next);
    }
  } catch (error) {
    // A cut reply sends `finished` and then an error status: the browser has the whole story already.
    if (finished) return;
    // The browser went away (tab closed, stream unsubscribed): nobody to tell.
    if (options.signal?.aborted) return;
    throw toTRPCError(error, options.log, options.operation);
  } finally {
    observed.closed();
  }
}
