/** What the browser sees of personal API keys: plain JSON, never a secret except once, at creation. */

export interface ApiKeyView {
  id: string;
  name: string;
  /** The key's visible start, e.g. `pk_Ab12Cd34`. */
  prefix: string;
  /** ISO 8601 times; null: never (expiry), not revoked, never used. */
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** The answer to creating a key: the secret, shown once, and what is kept about it. */
export interface CreatedApiKey {
  key: string;
  apiKey: ApiKeyView;
}

/** Expiry choices offered when creating a key, in days; null: never. */
export const keyExpiryChoices: { label: string; days: number | null }[] = [
  { label: "Never", days: null },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
  { label: "1 year", days: 365 },
];

/** The longest key name (as the service allows). */
export const maxKeyNameLength = 100;
