/**
 * Revokes a user's key for good. Another user's key is `key.not_found`, like a missing one. Replicas
 * that verified the key recently keep accepting it until their cache entry lapses (seconds).
 */
import type { ApiKey } from "../../domain/api-key.js";
import { apiKeyNotFound } from "../../domain/errors.js";
import { requireId, requireUserId } from "../input-rules.js";
import type { ApiKeyDeps } from "./api-key-deps.js";

export interface RevokeApiKeyInput {
  userId: string;
  keyId: string;
}

export async function revokeApiKey(deps: ApiKeyDeps, input: RevokeApiKeyInput): Promise<ApiKey> {
  const userId = requireUserId(input.userId);
  const keyId = requireId(input.keyId, "key_id");
  const revoked = await deps.store.revoke(userId, keyId, deps.clock.now());
  if (!revoked) throw apiKeyNotFound(keyId);
  deps.forget?.(keyId);
  return revoked;
}
