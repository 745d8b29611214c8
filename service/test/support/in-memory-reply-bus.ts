/**
 * A ReplyBus shared by several in-memory "processes", for use-case tests of replies owned elsewhere. It
 * keeps the port's contract (exact text from an offset, waits, offsetBeyondReply, hub.unavailable when
 * cut), not Redis's mechanics: the Redis adapter has its own tests against a real Redis.
 */
import type { OwnerMessage, ReplyBus, FollowedEvent } from "../../src/application/replies/reply-bus.js";
import type { ReplyFinishedEvent } from "../../src/application/replies/reply-events.js";
import { codePointLength, sliceFromCodePoint } from "../../src/application/replies/text-offsets.js";
import { hubUnavailable, offsetBeyondReply } from "../../src/domain/errors.js";

interface ReplyLog {
  text: string;
  finished: ReplyFinishedEvent | null;
}

export interface ReplyBusNetwork {
  /** One process's bus. */
  bus(): ReplyBus;
  /** Everything told, in order, with its addressee. */
  told: { owner: string; message: OwnerMessage }[];
  /** The bus becomes unreachable: follows in progress fail, tells fail. */
  cut(): void;
  restore(): void;
}

export function createReplyBusNetwork(): ReplyBusNetwork {
  const logs = new Map<string, ReplyLog>();
  const listeners = new Map<string, (message: OwnerMessage) => void>();
  let wakers = new Set<() => void>();
  let up = true;
  const wakeAll = () => {
    const waking = wakers;
    wakers = new Set();
    for (const wake of waking) wake();
  };
  const logOf = (replyId: string) => {
    let log = logs.get(replyId);
    if (!log) logs.set(replyId, (log = { text: "", finished: null }));
    return log;
  };
  const unavailable = () => hubUnavailable("the live-reply hub is unreachable");

  async function* follow(replyId: string, fromOffset: number, signal?: AbortSignal) {
    let cursor = fromOffset;
    for (;;) {
      if (!up) throw unavailable();
      if (signal?.aborted) return;
      const log = logOf(replyId);
      const length = codePointLength(log.text);
      if (cursor < length) {
        const text = sliceFromCodePoint(log.text, cursor);
        yield { type: "delta", text, offset: cursor } satisfies FollowedEvent;
        cursor = length;
        continue;
      }
      if (log.finished) {
        if (log.finished.length < fromOffset) throw offsetBeyondReply(fromOffset, log.finished.length);
        yield log.finished;
        return;
      }
      await new Promise<void>((resolve) => {
        wakers.add(resolve);
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  const network: ReplyBusNetwork = {
    told: [],
    cut() {
      up = false;
      wakeAll();
    },
    restore() {
      up = true;
    },
    bus: () => ({
      shared: true,
      appended(replyId, offset, text) {
        const log = logOf(replyId);
        if (offset !== codePointLength(log.text)) throw new Error(`append at ${offset} leaves a gap`);
        log.text += text;
        wakeAll();
      },
      ended(replyId, finished) {
        const log = logOf(replyId);
        log.finished ??= finished;
        wakeAll();
      },
      follow,
      async tell(owner, message) {
        if (!up) throw unavailable();
        network.told.push({ owner, message });
        const listener = listeners.get(owner);
        listener?.(message);
        return listener !== undefined;
      },
      async listen(owner, handler) {
        listeners.set(owner, handler);
      },
      async close() {},
    }),
  };
  return network;
}
