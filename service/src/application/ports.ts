/**
 * The ports every part of the application may need, named by role. The ports of one concern live in its
 * folder (chats/chat-repository.ts, replies/chat-model.ts, whatsapp/whatsapp-ports.ts).
 */

/** Counts tokens the way the model does. Synchronous and bounded: callers cap input size first. */
export interface TokenCounter {
  count(text: string): number;
}

export interface Clock {
  now(): Date;
}

/** Mints ids (UUID v7 in production, time-ordered). */
export type IdGenerator = () => string;

/** Structured logging; causes go here, never to clients. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a process holds while it works on something live (a reply, a WhatsApp turn): who, and until when. */
export interface Lease {
  /** The holder: one process start (a new id each time). */
  owner: string;
  /** Past this, unless renewed, any process's sweeper may end what was held. */
  expiresAt: Date;
}

/** A store of live things held under leases (see application/replies/lease-keeper.ts). */
export interface LeasedStore {
  /**
   * The heartbeat: extends the leases of the rows `ids` that `owner` still holds live. Only what the
   * process still works on is named, so a row it gave up on runs out and is swept. Returns how many.
   */
  renewLeases(owner: string, ids: readonly string[], expiresAt: Date): Promise<number>;
  /**
   * The sweeper: what was held under a lease that ran out before `now` — its owner crashed, hung or
   * lost the database — is ended `interrupted` (a reply keeps the text saved so far). Returns exactly
   * the rows this call ended (a bounded batch; the next sweep takes the rest). Nothing held by a process
   * that renews its leases is touched, and concurrent sweepers never end the same row twice, so any
   * number of processes may sweep.
   */
  endExpiredLeases(now: Date): Promise<EndedLease[]>;
}

/** A row a sweeper ended. */
export interface EndedLease {
  id: string;
  /** The text it kept (a reply's saved answer); empty for rows that keep none. */
  content: string;
}
