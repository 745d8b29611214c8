/**
 * A per-account limit on wrong passwords, beside better-auth's per-address limit: after `maxFailures`
 * wrong passwords for one email within `windowSeconds`, sign-ins for that email get 429 until the window
 * ends, whatever address they come from. An attempt is counted before the password is checked (one
 * atomic step that also tells whether the account is locked) and taken back if it did not fail, so
 * parallel guesses cannot all slip past the check, on one replica or several. Counters live in this
 * process or in Redis (window-counters.ts); emails are compared trimmed and lower-cased.
 */
import "server-only";
import type { WindowCounters } from "./window-counters";

/** An attempt in progress: say how it ended. */
export interface SignInAttempt {
  /** A wrong password: it stays counted. */
  failed(): Promise<void>;
  /** Signed in: the account's count starts again. */
  succeeded(): Promise<void>;
  /** Neither (a malformed request, a server error): it does not count. */
  uncounted(): Promise<void>;
}

export interface SignInGuard {
  /** Starts an attempt for `email`, or says how many seconds to wait when the account is locked. */
  begin(email: string): Promise<SignInAttempt | { retryAfter: number }>;
}

export function createSignInGuard(options: {
  maxFailures: number;
  windowSeconds: number;
  counters: WindowCounters;
  now?: () => number;
}): SignInGuard {
  const { counters } = options;
  const now = options.now ?? Date.now;
  return {
    async begin(email) {
      const key = `account:${email.trim().toLowerCase()}`;
      const window = await counters.increment(key, options.windowSeconds);
      if (window.count > options.maxFailures) {
        // A refused attempt does not count: the lock ends when the window of the failures does.
        await counters.decrement(key);
        return { retryAfter: Math.max(1, Math.ceil((window.resetAt - now()) / 1000)) };
      }
      return {
        failed: async () => undefined,
        succeeded: () => counters.delete(key),
        uncounted: () => counters.decrement(key),
      };
    },
  };
}
