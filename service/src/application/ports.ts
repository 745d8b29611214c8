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
