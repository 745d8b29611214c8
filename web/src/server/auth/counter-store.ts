/**
 * Counters in fixed time windows, kept in memory and bounded in bytes: the storage behind better-auth's
 * per-address rate limit (its `customStorage`) and behind our per-account sign-in lockout. A key's size is
 * chosen by clients (an e-mail address, a URL path), so the bound is on the bytes held, not on the number
 * of entries; keys longer than `maxKeyLength` are stored as their SHA-256. When the store is full, expired
 * windows are dropped first, then the oldest entries (a flood can only make the store forget, never grow).
 * One process only: "Several replicas" moves these counters to Redis (better-auth's secondaryStorage).
 */
import "server-only";
import { createHash } from "node:crypto";
import type { BetterAuthOptions } from "better-auth";

/** better-auth's storage interface for its rate limiter (one atomic `consume` per request). */
type BetterAuthRateLimitStorage = NonNullable<NonNullable<BetterAuthOptions["rateLimit"]>["customStorage"]>;

export interface CounterWindow {
  count: number;
  /** When the window ends (epoch ms). */
  resetAt: number;
}

export interface CounterStore extends BetterAuthRateLimitStorage {
  /** The key's live window, or undefined when it has none. */
  peek(key: string): CounterWindow | undefined;
  /** Adds one to the key's count; a key without a live window starts one of `windowSeconds`. */
  increment(key: string, windowSeconds: number): CounterWindow;
  /** Takes one back (an attempt that turned out not to count); the window is kept. */
  decrement(key: string): void;
  delete(key: string): void;
  /** Bytes accounted to the entries held now (keys as UTF-16 plus a fixed overhead per entry). */
  readonly bytes: number;
  readonly size: number;
}

export interface CounterStoreOptions {
  /** The most bytes the entries may take; the oldest are forgotten beyond it. */
  maxBytes: number;
  /** Longer keys are stored as a 64-character hash. Default 320 (an e-mail address with a prefix). */
  maxKeyLength?: number;
  now?: () => number;
}

/** A Map entry, its object and two numbers, as V8 lays them out (rounded up). */
export const entryOverheadBytes = 96;

export function createCounterStore(options: CounterStoreOptions): CounterStore {
  const now = options.now ?? Date.now;
  const maxKeyLength = options.maxKeyLength ?? 320;
  const entries = new Map<string, CounterWindow>();
  let bytes = 0;
  let lastSweep = 0;

  const storedKey = (key: string) =>
    key.length <= maxKeyLength ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;
  const sizeOf = (key: string) => key.length * 2 + entryOverheadBytes;
  const remove = (key: string) => {
    if (entries.delete(key)) bytes -= sizeOf(key);
  };
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.resetAt <= now()) {
      remove(key);
      return undefined;
    }
    return entry;
  };
  const makeRoom = (needed: number) => {
    if (bytes + needed <= options.maxBytes) return;
    // A full sweep costs one pass over the map: at most once a second, however hard the flood.
    if (now() - lastSweep >= 1_000) {
      lastSweep = now();
      for (const [key, entry] of entries) if (entry.resetAt <= lastSweep) remove(key);
    }
    for (const key of entries.keys()) {
      if (bytes + needed <= options.maxBytes) break;
      remove(key);
    }
  };
  const start = (key: string, windowSeconds: number): CounterWindow => {
    makeRoom(sizeOf(key));
    const entry = { count: 0, resetAt: now() + windowSeconds * 1000 };
    entries.set(key, entry);
    bytes += sizeOf(key);
    return entry;
  };

  return {
    peek: (key) => live(storedKey(key)),
    increment(key, windowSeconds) {
      const stored = storedKey(key);
      const entry = live(stored) ?? start(stored, windowSeconds);
      entry.count++;
      return entry;
    },
    decrement(key) {
      const entry = live(storedKey(key));
      if (entry && entry.count > 0) entry.count--;
    },
    delete: (key) => remove(storedKey(key)),
    // better-auth's per-address limit: check and count in one step, so parallel requests cannot all pass.
    async consume(key, rule) {
      const stored = storedKey(key);
      const entry = live(stored);
      if (entry && entry.count >= rule.max) {
        return { allowed: false, retryAfter: Math.max(1, Math.ceil((entry.resetAt - now()) / 1000)) };
      }
      (entry ?? start(stored, rule.window)).count++;
      return { allowed: true, retryAfter: null };
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
