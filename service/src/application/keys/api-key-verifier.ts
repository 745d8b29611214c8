/**
 * Verifies personal API keys, with a short cache so a busy key costs one indexed read per replica per
 * `cacheMs`, not one per call. The cache is what bounds revocation: a key revoked on one replica is
 * refused by every other within `cacheMs` (and at once by the replica that revoked it). Expiry is checked
 * on every call against the clock, so it is exact.
 */
import { apiKeyState, type ApiKey } from "../../domain/api-key.js";
import type { Clock, Logger } from "../ports.js";
import type { ApiKeyStore } from "./api-key-store.js";
import { hashKey, prefixOf, sameHash } from "./key-secret.js";

/** Who a key acts for, or why it is refused. */
export type KeyVerification =
  { ok: true; userId: string; keyId: string } | { ok: false; reason: "unknown" | "expired" | "revoked" };

export interface ApiKeyVerifierOptions {
  store: ApiKeyStore;
  clock: Clock;
  logger: Logger;
  /** How long a verified key is trusted without asking the store again. 0: every call asks. */
  cacheMs: number;
  /** The most keys remembered; the least recently used go first. Default 10 000. */
  maxEntries?: number;
}

export interface ApiKeyVerifier {
  verify(presented: string): Promise<KeyVerification>;
  /** Drops a key from the cache (this process revoked it). */
  forget(keyId: string): void;
}

type Found = Pick<ApiKey, "id" | "userId" | "expiresAt" | "revokedAt">;

interface Entry {
  checkedAt: number;
  found: Promise<Found | null>;
  keyId?: string;
}

export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const { store, clock, logger, cacheMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  // Keyed by the key's hash, never the key. Map order is insertion order: re-inserting on use makes the
  // first entry the least recently used.
  const cache = new Map<string, Entry>();

  const lookUp = async (prefix: string, hash: string, now: Date): Promise<Found | null> => {
    const stored = await store.findByPrefix(prefix);
    // The row is found by its prefix; the secret is then compared as a hash, in constant time.
    if (!stored || !sameHash(stored.hash, hash)) return null;
    store
      .touch(stored.id, now)
      .catch((error: unknown) =>
        logger.warn("could not record an API key's last use", { keyId: stored.id, error: String(error) }),
      );
    return stored;
  };

  const cached = (prefix: string, hash: string, now: Date): Entry => {
    const hit = cache.get(hash);
    if (hit) cache.delete(hash);
    if (hit && now.getTime() - hit.checkedAt < cacheMs) {
      cache.set(hash, hit);
      return hit;
    }
    const entry: Entry = { checkedAt: now.getTime(), found: lookUp(prefix, hash, now) };
    cache.set(hash, entry);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    // Unknown keys and failed reads are not remembered: the next call asks again.
    entry.found.then(
      (found) => (found ? (entry.keyId = found.id) : forgetEntry(hash, entry)),
      () => forgetEntry(hash, entry),
    );
    return entry;
  };

  const forgetEntry = (hash: string, entry: Entry) => {
    if (cache.get(hash) === entry) cache.delete(hash);
  };

  return {
    async verify(presented) {
      const prefix = prefixOf(presented);
      if (prefix === null) return { ok: false, reason: "unknown" };
      const now = clock.now();
      const found = await cached(prefix, hashKey(presented), now).found;
      if (!found) return { ok: false, reason: "unknown" };
      const state = apiKeyState(found, now);
      if (state !== "active") return { ok: false, reason: state };
      return { ok: true, userId: found.userId, keyId: found.id };
    },
    forget(keyId) {
      for (const [hash, entry] of cache) if (entry.keyId === keyId) cache.delete(hash);
    },
  };
}
