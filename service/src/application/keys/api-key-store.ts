/** The port for storing personal API keys (MySQL in production, in memory in unit tests). */
import type { ApiKey } from "../../domain/api-key.js";

/** A key as stored: its description and the hash of its secret. */
export interface StoredApiKey extends ApiKey {
  /** SHA-256 of the whole key, lowercase hex. */
  hash: string;
}

export interface ApiKeyStore {
  /** Stores a new key; false when its prefix is taken already (the caller mints another). */
  insert(key: StoredApiKey): Promise<boolean>;
  /** A user's keys, newest first. */
  listByUser(userId: string): Promise<ApiKey[]>;
  /** The key with this prefix, hash included, for verification; null when there is none. */
  findByPrefix(prefix: string): Promise<StoredApiKey | null>;
  /**
   * Revokes the user's key at `at` unless it is revoked already (the first revocation time stays).
   * Returns the key afterwards; null when the user has no such key.
   */
  revoke(userId: string, keyId: string, at: Date): Promise<ApiKey | null>;
  /** Records that the key was used at `at`. */
  touch(keyId: string, at: Date): Promise<void>;
}
