/**
 * What a chat-list watch holds for a client that reads slower than chats change: at most one event per
 * chat (a later change of the same chat replaces the earlier one in its place), at most `maxPending`
 * chats, and beyond that a single `resync` instead of everything (the client lists its chats again). So a
 * slow or stuck reader costs a bounded amount of memory, whatever happens to its chats meanwhile.
 */
import type { ListEvent } from "./watch-chats.js";

const resyncKey = "";

export class ChatEventQueue {
  private readonly pending = new Map<string, ListEvent>();

  constructor(private readonly maxPending: number) {}

  get size(): number {
    return this.pending.size;
  }

  push(event: ListEvent): void {
    // A pending resync covers everything after it: the client lists its chats once it reads it.
    if (this.pending.has(resyncKey)) return;
    if (event.type === "resync") return this.resync();
    const key = event.type === "deleted" ? event.chatId : event.chat.id;
    const earlier = this.pending.get(key);
    if (!earlier && this.pending.size >= this.maxPending) return this.resync();
    const merged = earlier ? coalesce(earlier, event) : event;
    if (merged) this.pending.set(key, merged);
    else this.pending.delete(key);
  }

  /** The oldest pending event, removed; undefined when there is none. */
  take(): ListEvent | undefined {
    const first = this.pending.entries().next();
    if (first.done) return undefined;
    this.pending.delete(first.value[0]);
    return first.value[1];
  }

  private resync(): void {
    this.pending.clear();
    this.pending.set(resyncKey, { type: "resync" });
  }
}

/** One event standing for `earlier` then `later` of the same chat; null: nothing left to tell. */
function coalesce(earlier: ListEvent, later: ListEvent): ListEvent | null {
  if (earlier.type === "created") {
    if (later.type === "deleted") return null; // the client never saw it
    if (later.type === "updated") return { type: "created", chat: later.chat };
  }
  return later;
}
