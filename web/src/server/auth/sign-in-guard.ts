/**
 * A per-account limit on failed password sign-ins, beside better-auth's per-address limit (which trusts
 * X-Forwarded-For, so a client talking to the app directly could vary it). After `maxFailures` wrong
 * passwords for one email within `windowSeconds`, sign-ins for that email get 429 until the window ends.
 * In memory: one web app process (a shared store would be needed for several).
 */
import "server-only";

export interface SignInGuard {
  /** Seconds to wait when `email` is locked, else null. */
  retryAfter(email: string): number | null;
  recordFailure(email: string): void;
  recordSuccess(email: string): void;
}

export function createSignInGuard(options: { maxFailures: number; windowSeconds: number }): SignInGuard {
  const failures = new Map<string, { count: number; resetAt: number }>();
  const key = (email: string) => email.trim().toLowerCase();
  const current = (email: string) => {
    const entry = failures.get(key(email));
    if (entry && entry.resetAt <= Date.now()) {
      failures.delete(key(email));
      return undefined;
    }
    return entry;
  };
  return {
    retryAfter(email) {
      const entry = current(email);
      if (!entry || entry.count < options.maxFailures) return null;
      return Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000));
    },
    recordFailure(email) {
      const entry = current(email) ?? { count: 0, resetAt: Date.now() + options.windowSeconds * 1000 };
      entry.count++;
      failures.set(key(email), entry);
      if (failures.size > 10_000) {
        // Forget expired entries so a flood of made-up emails cannot grow the map for ever.
        for (const [email, value] of failures) if (value.resetAt <= Date.now()) failures.delete(email);
      }
    },
    recordSuccess(email) {
      failures.delete(key(email));
    },
  };
}
