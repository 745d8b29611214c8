/** Mints a personal API key for a user: the key is returned once, only its hash is stored. */
import { maxApiKeyNameLength, type ApiKey } from "../../domain/api-key.js";
import { invalidArgument } from "../../domain/errors.js";
import { requireUserId } from "../input-rules.js";
import type { ApiKeyDeps } from "./api-key-deps.js";
import { mintKey } from "./key-secret.js";

export interface CreateApiKeyInput {
  userId: string;
  name: string;
  /** undefined: it never expires. */
  expiresAt?: Date | undefined;
}

export interface CreatedApiKey {
  /** The secret, to be shown once. */
  key: string;
  apiKey: ApiKey;
}

/** Prefixes have 47 random bits: a clash is rare, several in a row mean something else is wrong. */
const mintAttempts = 3;

export async function createApiKey(deps: ApiKeyDeps, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const userId = requireUserId(input.userId);
  const name = requireKeyName(input.name);
  const now = deps.clock.now();
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime())
    throw invalidArgument("the expiry must be in the future");
  for (let attempt = 1; ; attempt++) {
    const minted = mintKey();
    const apiKey: ApiKey = {
      id: deps.newId(),
      userId,
      name,
      prefix: minted.prefix,
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    };
    if (await deps.store.insert({ ...apiKey, hash: minted.hash })) return { key: minted.key, apiKey };
    if (attempt >= mintAttempts) throw new Error("could not mint an API key with an unused prefix");
  }
}

function requireKeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalidArgument("name must not be blank");
  if ([...trimmed].length > maxApiKeyNameLength)
    throw invalidArgument(`name is longer than ${maxApiKeyNameLength} characters`);
  return trimmed;
}
