/**
 * WatchReply that rides out a blip of the service's shared hub. With several service replicas, a reply
 * generated on another replica is followed through Redis; when Redis is briefly unreachable the service
 * ends the watch with `hub.unavailable` (nothing is lost: the reply goes on at its owner). The person
 * should not see that: the watch is opened again from the offset reached, with backoff, for a bounded
 * time, and the browser just sees the text continue (its `started` event is not repeated).
 */
import "server-only";
import { ConnectError } from "@connectrpc/connect";
import type { ReplyEvent as ProtoReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { codePointLength } from "~/lib/code-points";
import type { Logger } from "../logger";
import { serviceReason } from "./connect-errors";
import { abortableSleep } from "./abortable-sleep";

type Events = AsyncIterable<{ event?: ProtoReplyEvent | undefined }>;

export interface ResilientWatchOptions {
  /** Opens WatchReply from a code-point offset. */
  open(fromOffset: number): Events;
  fromOffset: number;
  signal: AbortSignal | undefined;
  log: Logger;
  /** How long in all to keep reopening, in ms. */
  giveUpAfterMs?: number;
  /** First wait before reopening (doubling, up to 2 s), in ms. */
  firstWaitMs?: number;
}

/** The reason the service gives when its shared hub is unreachable. */
const hubUnavailable = "hub.unavailable";

export async function* resilientWatch(
  options: ResilientWatchOptions,
): AsyncGenerator<{ event?: ProtoReplyEvent }> {
  const { signal, log } = options;
  const deadline = Date.now() + (options.giveUpAfterMs ?? 15_000);
  let offset = options.fromOffset;
  let waitMs = options.firstWaitMs ?? 250;
  let startedSent = false;
  for (;;) {
    try {
      for await (const response of options.open(offset)) {
        const kind = response.event?.kind;
        if (kind?.case === "started") {
          if (startedSent) continue;
          startedSent = true;
        } else if (kind?.case === "delta") {
          offset = kind.value.offset + codePointLength(kind.value.text);
        }
        yield response;
      }
      return;
    } catch (error) {
      const reason = error instanceof ConnectError ? serviceReason(error) : null;
      if (reason !== hubUnavailable || signal?.aborted || Date.now() + waitMs > deadline) throw error;
      log.info("the service's live-reply hub blinked; resuming the watch", { offset, retryInMs: waitMs });
      await abortableSleep(waitMs, signal);
      waitMs = Math.min(waitMs * 2, 2_000);
    }
  }
}
