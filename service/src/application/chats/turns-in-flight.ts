/**
 * The turns this process is starting — from their pre-read until their transaction settles — per hub,
 * by chat and by user. A turn's pre-read (ChatRepository.readTurn) cannot see them: they are not
 * committed yet. Without this count a burst of sends from one user (or two sends to one chat) would each
 * pass the pre-read's checks, start a model call, and all but the allowed ones would be refused under the
 * lock with their calls aborted: upstream requests for turns that are refused. With it, a turn is read
 * ahead only while no other turn of its chat is starting here and its user's live replies plus their
 * other starting turns stay under the limit; the rest start their model call at the transaction's checks,
 * as without a pre-read, so a refusal within one process sends nothing upstream. (Across replicas two
 * sends can still meet only under the lock: then one request is aborted before its first token.)
 */
interface Counts {
  chats: Map<string, number>;
  users: Map<string, number>;
}

const starting = new WeakMap<object, Counts>();

export class TurnInFlight {
  private held = false;

  /** `hub`: whose turns share the count (any object; the process's reply hub). */
  constructor(
    private readonly hub: object,
    private readonly userId: string,
    private readonly chatId: string,
  ) {}

  /** Counts this turn in; returns how many other turns of its chat and of its user were starting. */
  enter(): { sameChat: number; sameUser: number } {
    let counts = starting.get(this.hub);
    if (!counts) starting.set(this.hub, (counts = { chats: new Map(), users: new Map() }));
    const others = {
      sameChat: counts.chats.get(this.chatId) ?? 0,
      sameUser: counts.users.get(this.userId) ?? 0,
    };
    counts.chats.set(this.chatId, others.sameChat + 1);
    counts.users.set(this.userId, others.sameUser + 1);
    this.held = true;
    return others;
  }

  /** The turn's transaction settled (committed or failed): it is counted by the database now, or not. */
  leave(): void {
    const counts = starting.get(this.hub);
    if (!this.held || !counts) return;
    this.held = false;
    decrement(counts.chats, this.chatId);
    decrement(counts.users, this.userId);
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
