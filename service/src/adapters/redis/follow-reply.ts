/**
 * Following a reply owned elsewhere: subscribe to its live channel and, at the same time, read the
 * stream from the entry covering the offset asked for (one round trip on each connection, so the first
 * text comes after one round trip, not three); once subscribed, read the stream again from where the
 * first read left off, then apply live messages. Whatever is published after the subscription is heard,
 * and whatever was written before the second read is read, so nothing falls between; duplicates are
 * removed by offset (text before the cursor is skipped, a partial overlap sliced). A live entry that
 * starts after the cursor (a gap) is filled from the stream.
 */
import type { DeltaCoalescing } from "../../application/replies/delta-coalescing.js";
import type { FollowedEvent } from "../../application/replies/reply-bus.js";
import { sliceFromCodePoint } from "../../application/replies/text-offsets.js";
import { hubUnavailable, offsetBeyondReply } from "../../domain/errors.js";
import type { ChannelSubscriptions } from "./channel-subscriptions.js";
import { createFollowInbox } from "./follow-inbox.js";
import { decodeLiveMessage, type ReplyKeys, type StreamEntry } from "./reply-stream-format.js";
import type { StreamReader } from "./stream-reader.js";

export interface FollowDeps {
  keys: ReplyKeys;
  reader: StreamReader;
  subscriptions: ChannelSubscriptions;
  /** The most text (UTF-16 units) waiting for a slow consumer before the follow fails. */
  maxBufferedChars: number;
  /** How live entries waiting for a slow consumer are merged; null or absent: never. */
  coalescing?: DeltaCoalescing | null | undefined;
  /** Told how late (ms, owner's clock to ours) each live entry arrived that says when it was sent. */
  liveLag?: ((ms: number) => void) | undefined;
}

/** What one entry does to a follow at `cursor`. */
type Step = { kind: "skip" } | { kind: "gap" } | { kind: "event"; event: FollowedEvent; cursor: number };

function step(entry: StreamEntry, cursor: number, fromOffset: number): Step {
  if (entry.kind === "end") {
    const { length } = entry.finished;
    if (length < fromOffset) throw offsetBeyondReply(fromOffset, length);
    return cursor < length ? { kind: "gap" } : { kind: "event", event: entry.finished, cursor };
  }
  if (entry.offset > cursor) return { kind: "gap" };
  if (entry.end <= cursor) return { kind: "skip" };
  const text = sliceFromCodePoint(entry.text, cursor - entry.offset);
  return { kind: "event", event: { type: "delta", text, offset: cursor }, cursor: entry.end };
}

export async function* followReply(
  deps: FollowDeps,
  replyId: string,
  fromOffset: number,
  signal?: AbortSignal,
): AsyncGenerator<FollowedEvent> {
  if (signal?.aborted) return;
  const key = deps.keys.stream(replyId);
  const inbox = createFollowInbox(deps.maxBufferedChars, deps.coalescing ?? null);
  const subscribing = deps.subscriptions.follow(
    deps.keys.live(replyId),
    (message) => {
      const live = decodeLiveMessage(message);
      if (!live) return;
      if (live.sentAt !== null) deps.liveLag?.(Date.now() - live.sentAt);
      inbox.push(live.entry);
    },
    () => inbox.fail(hubUnavailable("the connection to the live replies hub dropped")),
  );
  // Awaited only after the first read: a subscription refused at once (the subscriber is reconnecting)
  // must count as handled meanwhile, or Node ends the process for an unhandled rejection. The awaits
  // below still see the refusal and fail the follow with it.
  subscribing.catch(() => undefined);
  // Unsubscribes however the follow ends, even when it ends before the subscription is confirmed.
  const unsubscribe = () =>
    void subscribing.then(
      (stop) => stop(),
      () => undefined,
    );
  const onAbort = () => inbox.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  let cursor = fromOffset;

  /** The stream from the entry covering the cursor; fails if the stream no longer reaches back to it. */
  const readStream = async (): Promise<StreamEntry[]> => {
    const { covering, after } = await deps.reader.from(key, cursor);
    if (covering) return [covering, ...after];
    // Nothing at or before the cursor: any entry is after it, so the text up to it is gone.
    if (after.length > 0) {
      throw hubUnavailable(`the text of reply ${replyId} from offset ${cursor} is no longer on the hub`);
    }
    return [];
  };

  try {
    let backlog = await readStream();
    let subscribed = false;
    for (;;) {
      for (const entry of backlog) {
        const next = step(entry, cursor, fromOffset);
        // Entries read from the stream are contiguous: a gap there means the text is gone.
        if (next.kind === "gap") throw hubUnavailable(`the text of reply ${replyId} has a hole on the hub`);
        if (next.kind === "skip") continue;
        cursor = next.cursor;
        yield next.event;
        if (next.event.type === "finished") return;
      }
      backlog = [];
      if (!subscribed) {
        await subscribing;
        subscribed = true;
        // What was written between the first read and the subscription is on the stream.
        backlog = await readStream();
        continue;
      }
      const live = await inbox.next();
      if (!live) return;
      const next = step(live, cursor, fromOffset);
      if (next.kind === "skip") continue;
      if (next.kind === "event") {
        cursor = next.cursor;
        yield next.event;
        if (next.event.type === "finished") return;
        continue;
      }
      // A gap: what lies between is on the stream (written before it was published). If the stream
      // does not have it yet, a failed write is being retried and its next publication will carry it.
      backlog = contiguousFrom(await readStream(), cursor);
      if (live.kind === "end" && !backlog.some((entry) => entry.kind === "end")) {
        throw hubUnavailable(`the text of reply ${replyId} before its end is not on the hub`);
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    inbox.close();
    unsubscribe();
  }
}

/** The entries that continue the text from `cursor` without a hole (and the end, if it follows). */
function contiguousFrom(entries: StreamEntry[], cursor: number): StreamEntry[] {
  const result: StreamEntry[] = [];
  let reach = cursor;
  for (const entry of entries) {
    if (entry.offset > reach) break;
    result.push(entry);
    if (entry.kind === "text") reach = Math.max(reach, entry.end);
  }
  return result;
}
