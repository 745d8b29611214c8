/**
 * The request a piece of server work belongs to, for log lines and the service: an id per HTTP request
 * (the caller's `x-request-id` when it is short and plain, else a new one), carried through async work
 * by AsyncLocalStorage. Kept on `globalThis`: the Node server (server.ts) and Next's bundles load this
 * module separately and must share the one store.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

export const requestIdHeader = "x-request-id";

const holder = globalThis as typeof globalThis & {
  parleyRequests?: AsyncLocalStorage<{ requestId: string }>;
};
const storage = (holder.parleyRequests ??= new AsyncLocalStorage());

const saneId = /^[\w.:-]{1,64}$/;

/** The caller's id when it is sane, else a fresh one. */
export function newRequestId(offered: string | string[] | undefined): string {
  return typeof offered === "string" && saneId.test(offered) ? offered : randomUUID();
}

/** Runs `work` as part of request `requestId`. */
export function inRequest<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

/** The current request's id, or null outside a request. */
export function currentRequestId(): string | null {
  return storage.getStore()?.requestId ?? null;
}
