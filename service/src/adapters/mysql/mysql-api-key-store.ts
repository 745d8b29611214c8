/** The ApiKeyStore port over MySQL/MariaDB: the `api_keys` table. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { ApiKeyStore, StoredApiKey } from "../../application/keys/api-key-store.js";
import type { ApiKey } from "../../domain/api-key.js";
import type { ChatDatabase } from "./database.js";
import { isDuplicateKey } from "./duplicate-key.js";
import { apiKeys } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

/** The columns that describe a key: everything but its hash. */
const described = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  lastUsedAt: apiKeys.lastUsedAt,
};

export function createMysqlApiKeyStore(db: ChatDatabase): ApiKeyStore {
  const findOwned = async (userId: string, keyId: string): Promise<ApiKey | null> => {
    const [row] = await db
      .select(described)
      .from(apiKeys)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId)));
    return row ?? null;
  };

  return {
    insert: (key) =>
      withStorageErrors(async () => {
        try {
          await db.insert(apiKeys).values(key);
          return true;
        } catch (error) {
          // Ids are UUIDs: the only unique value that can clash is the short prefix.
          if (isDuplicateKey(error)) return false;
          throw error;
        }
      }),

    listByUser: (userId) =>
      withStorageErrors(() =>
        db
          .select(described)
          .from(apiKeys)
          .where(eq(apiKeys.userId, userId))
          .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)),
      ),

    findByPrefix: (prefix) =>
      withStorageErrors(async () => {
        const [row]: StoredApiKey[] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
        return row ?? null;
      }),

    revoke: (userId, keyId, at) =>
      withStorageErrors(async () => {
        // Scoped by user in the same statement: another user's key is not found, like a missing one.
        await db
          .update(apiKeys)
          .set({ revokedAt: at })
          .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
        return findOwned(userId, keyId);
      }),

    touch: (keyId, at) =>
      withStorageErrors(async () => {
        await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, keyId));
      }),
  };
}
