/**
 * A per-account limit on wrong passwords, beside better-auth's per-address limit: after `maxFailures`
 * wrong passwords for one email within `windowSeconds`, sign-ins for that email get 429 until the window
 * ends, whatever address they come from. An attempt is counted before the password is checked and taken
 * back if it did not fail, so parallel guesses cannot all slip past the check. Counters live in a
 * byte-bounded store (counter-store.ts); emails are compared trimmed and lower-cased.
 */
import "server-only";
import type { CounterStore } from "./counter-store";

/** An attempt in progress: say how it ended. */
export interface SignInAttempt {
  /** A wrong password: it stays counted. */
  failed(): void;
  /** Signed in: the account's count starts again. */
  succeeded(): void;
  /** Neither (a malformed request, a server error): it does not count. */
  uncounted(): void;
}

export interface SignInGuard {
  /** Starts an attempt for `email`, or says how many seconds to wait when the account is locked. */
  begin(email: string): SignInAttempt | { retryAfter: number };
}

export function createSignInGuard(options: {
  maxFailures: number;
  windowSeconds: number;
  store: CounterStore;
  now?: () => number;
}): SignInGuard {
  const { store } = options;
  const now = options.now ?? Date.now;
  return {
    begin(email) {
      const key = `account:${email.trim().toLowerCase()}`;
      const current = store.peek(key);
      if (current && current.count >= options.maxFailures) {
        return { retryAfter: Math.max(1, Math.ceil((current.resetAt - now()) / 1000)) };
      }
      store.increment(key, options.windowSeconds);
      return {
        failed: () => undefined,
        succeeded: () => store.delete(key),
        uncounted: () => store.decrement(key),
      };
    },
  };
}
