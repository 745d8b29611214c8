/**
 * The shape of a personal API key: `pk_` + 8 random base62 characters (the prefix, shown to people and
 * used to find the row), `_`, then 32 random bytes in base64url (the secret part). The whole key has
 * 256 + 47 bits of randomness, so it cannot be guessed and a fast hash (SHA-256) is the right way to
 * store it: slow password hashes only help secrets people choose.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const keyPattern = /^(pk_[0-9A-Za-z]{8})_[0-9A-Za-z_-]{43}$/;

/** A new key, and what is stored of it. */
export interface MintedKey {
  key: string;
  prefix: string;
  hash: string;
}

export function mintKey(): MintedKey {
  let prefix = "pk_";
  for (let i = 0; i < 8; i++) prefix += base62[randomInt(base62.length)];
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashKey(key) };
}

/** Whether a presented credential has the shape of a personal key (cheap; says nothing of validity). */
export function looksLikeKey(presented: string): boolean {
  return keyPattern.test(presented);
}

/** The prefix of a well-formed key; null for anything else. */
export function prefixOf(presented: string): string | null {
  return keyPattern.exec(presented)?.[1] ?? null;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Compares two hex SHA-256 digests in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
