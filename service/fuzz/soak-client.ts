/**
 * One soak client: sends a message, then at random reads the reply to its end, disconnects and resumes
 * it with WatchReply from the offset it reached, stops it, times out and resumes, or walks away. Every
 * reply it read to the end is remembered with the text it received, to compare with what was stored.
 */
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { ChatService, ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import type { Random } from "./prng.js";

export interface SoakLedger {
  /** Reply id → the text a watcher received, start to finish. */
  watched: Map<string, string>;
  /** Outcomes by name: `ok`, a Connect code, `client-disconnect`. */
  outcomes: Record<string, number>;
  count(outcome: string): void;
}

type Chat = Client<typeof ChatService>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads events into `state` until the stream ends or `stopAfter` deltas came; throws the stream's error. */
async function read(
  events: AsyncIterable<{ event?: ReplyEvent }>,
  state: { replyId: string; text: string; finished: boolean },
  onDelta?: (deltas: number) => Promise<boolean>,
) {
  let deltas = 0;
  for await (const { event } of events) {
    const kind = event?.kind;
    if (kind?.case === "started") state.replyId = kind.value.replyId;
    if (kind?.case === "delta") {
      if (kind.value.offset !== [...state.text].length) throw new Error(`a gap: offset ${kind.value.offset}`);
      state.text += kind.value.text;
      if (onDelta && (await onDelta(++deltas))) return;
    }
    if (kind?.case === "finished") state.finished = true;
  }
}

export async function soakTurn(
  client: Chat,
  rng: Random,
  userId: string,
  chatId: string,
  ledger: SoakLedger,
) {
  const state = { replyId: "", text: "", finished: false, chatId };
  const mode = rng.pick(["read", "read", "disconnect", "stop", "timeout", "walk-away"] as const);
  const abort = new AbortController();
  const cutAt = rng.between(1, 40);
  const text = `soak question ${rng.int(1_000_000)}: ${"why ".repeat(rng.between(1, 30))}`;
  try {
    const events = client.sendMessage(
      { userId, chatId, text },
      { signal: abort.signal, timeoutMs: mode === "timeout" ? rng.between(100, 1_500) : 60_000 },
    );
    const onStarted = async function* () {
      for await (const message of events) {
        if (message.event?.kind.case === "started") state.chatId = message.event.kind.value.chatId;
        yield message;
      }
    };
    await read(onStarted(), state, async (deltas) => {
      if (deltas < cutAt) return false;
      if (mode === "disconnect" || mode === "walk-away") {
        abort.abort();
        return true;
      }
      if (mode === "stop" && deltas === cutAt) await client.stopReply({ userId, replyId: state.replyId });
      return false;
    });
    ledger.count(
      state.finished
        ? "ok"
        : mode === "disconnect" || mode === "walk-away"
          ? "client-disconnect"
          : "ended-early",
    );
  } catch (error) {
    const code = ConnectError.from(error).code;
    ledger.count(abort.signal.aborted ? "client-disconnect" : Code[code]!);
    if (!state.replyId || mode === "walk-away" || code !== Code.DeadlineExceeded) return state.chatId;
  }
  if (!state.finished && state.replyId && mode !== "walk-away") {
    await sleep(rng.between(0, 500));
    // Resume where this client got to; what it receives must continue its text exactly.
    const offset = [...state.text].length;
    try {
      await read(client.watchReply({ userId, replyId: state.replyId, fromOffset: offset }), state);
      ledger.count("resumed");
    } catch (error) {
      ledger.count(`watch:${Code[ConnectError.from(error).code]}`);
    }
  }
  if (state.finished) ledger.watched.set(state.replyId, state.text);
  // A reply walked away from goes on for a while: the next message starts a chat of its own.
  return mode === "walk-away" ? "" : state.chatId;
}
