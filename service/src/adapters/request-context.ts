/**
 * The request a piece of work belongs to, for log lines: an id per RPC (the caller's `x-request-id` when
 * it sends a sane one, else a new one), carried through async work by AsyncLocalStorage.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** A caller's id is kept when it is short and plain; anything else is replaced (it lands in logs). */
const saneId = /^[\w.:-]{1,64}$/;

export function newRequestId(offered: string | null): string {
  return offered !== null && saneId.test(offered) ? offered : randomUUID();
}

/** Runs `work` as part of request `requestId`. */
export function inRequest<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

/** The current request's fields for a log line: `{ request_id }` (beside `trace_id`), or none outside a request. */
export function requestFields(): Record<string, unknown> {
  const current = storage.getStore();
  return current ? { request_id: current.requestId } : {};
}
