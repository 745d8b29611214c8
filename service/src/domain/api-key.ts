/** A personal API key as the service keeps it: never the secret, only what describes it. */

export interface ApiKey {
  id: string;
  /** The user the key acts as. */
  userId: string;
  name: string;
  /** The visible start of the key (`pk_` + 8 characters), to recognise it by. */
  prefix: string;
  createdAt: Date;
  /** null: it never expires (until revoked). */
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Whether a key may be used at `now`, and why not. */
export type ApiKeyState = "active" | "expired" | "revoked";

export function apiKeyState(key: Pick<ApiKey, "expiresAt" | "revokedAt">, now: Date): ApiKeyState {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** The longest key name. */
export const maxApiKeyNameLength = 100;
