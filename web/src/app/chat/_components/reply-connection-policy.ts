/**
 * When a reply's SSE connection drops, the browser's EventSource keeps reconnecting (with the last event
 * id, so the reply resumes where it was). This policy says what a connection change means for a reply,
 * and gives up on a reply that cannot reconnect for `giveUpMs`, so a retry can be offered.
 */
import { isOver, type LiveReply } from "./reduce-live-replies";

/** A stream that cannot reconnect for this long is given up, with a retry offered. */
export const reconnectGiveUpMs = 20_000;

/** A connection state as tRPC's subscription link reports it. */
export interface ConnectionState {
  state: string;
  error: unknown;
}

/** "lost" while reconnecting after an error, "restored" once connected again; null when it changes nothing. */
export function connectionChange(
  reply: LiveReply | undefined,
  connection: ConnectionState,
): "lost" | "restored" | null {
  if (!reply || isOver(reply)) return null;
  if (connection.state === "connecting" && connection.error) return "lost";
  if (connection.state === "pending" && reply.phase === "reconnecting") return "restored";
  return null;
}

export interface GiveUpTimers {
  /** The connection of `key` was lost: give up after the grace, unless already counting. */
  start(key: string): void;
  cancel(key: string): void;
  /** The reply moved to another key (a new chat got its id); its countdown goes along. */
  move(from: string, to: string): void;
  cancelAll(): void;
}

export function createGiveUpTimers(options: { giveUpMs: number; onGiveUp(key: string): void }): GiveUpTimers {
  // Each countdown knows its reply's current key, which `move` updates.
  const countdowns = new Map<string, { key: string; timer: ReturnType<typeof setTimeout> }>();
  const cancel = (key: string) => {
    clearTimeout(countdowns.get(key)?.timer);
    countdowns.delete(key);
  };
  return {
    start(key) {
      if (countdowns.has(key)) return;
      const countdown = {
        key,
        timer: setTimeout(() => {
          countdowns.delete(countdown.key);
          options.onGiveUp(countdown.key);
        }, options.giveUpMs),
      };
      countdowns.set(key, countdown);
    },
    cancel,
    move(from, to) {
      if (from === to) return;
      cancel(to);
      const countdown = countdowns.get(from);
      if (!countdown) return;
      countdowns.delete(from);
      countdown.key = to;
      countdowns.set(to, countdown);
    },
    cancelAll() {
      for (const { timer } of countdowns.values()) clearTimeout(timer);
      countdowns.clear();
    },
  };
}
