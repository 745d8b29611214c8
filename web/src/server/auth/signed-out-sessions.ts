/**
 * The sessions signed out in this process during the last cookie-cache window. A signed session cookie
 * cache (`session_data`) is trusted without a database read until it expires; a session listed here is
 * refused that shortcut (its cache no longer matches the expected version), so a copy of a signed-out
 * cookie replayed to this process is checked against the database at once. Other replicas still accept
 * such a copy until its cache expires (at most the cache's max age): the documented trade-off.
 *
 * Bounded: at most `maxEntries` tokens, each forgotten once its cache window has passed.
 */
export interface SignedOutSessions {
  add(token: string): void;
  has(token: string): boolean;
}

export function createSignedOutSessions(options: {
  windowMs: number;
  maxEntries: number;
  now?: () => number;
}): SignedOutSessions {
  const now = options.now ?? Date.now;
  // Insertion order is expiry order (every entry lives the same window).
  const until = new Map<string, number>();
  const forgetExpired = () => {
    const time = now();
    for (const [token, expiresAt] of until) {
      if (expiresAt > time) break;
      until.delete(token);
    }
  };
  return {
    add(token) {
      forgetExpired();
      until.delete(token);
      until.set(token, now() + options.windowMs);
      while (until.size > options.maxEntries) until.delete(until.keys().next().value!);
    },
    has(token) {
      const expiresAt = until.get(token);
      return expiresAt !== undefined && expiresAt > now();
    },
  };
}
