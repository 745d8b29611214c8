/**
 * Counters in fixed time windows, as the sign-in guard counts wrong passwords: in this process (over a
 * byte-bounded CounterStore) or shared by every replica (on Redis, see redis-counters.ts).
 */
import "server-only";
import type { CounterStore, CounterWindow } from "./counter-store";

export interface WindowCounters {
  /** Adds one to the key's count (a key without a live window starts one of `windowSeconds`). */
  increment(key: string, windowSeconds: number): Promise<CounterWindow>;
  /** Takes one back (an attempt that turned out not to count); the window is kept. */
  decrement(key: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The counters of this process alone. */
export function localCounters(store: CounterStore): WindowCounters {
  return {
    increment: async (key, windowSeconds) => ({ ...store.increment(key, windowSeconds) }),
    decrement: async (key) => store.decrement(key),
    delete: async (key) => store.delete(key),
  };
}
