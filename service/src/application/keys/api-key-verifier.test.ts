// The key cache's rules with a store that counts its reads: one read per key per cache period, however
// many calls; the revocation bound at exactly `cacheMs`; expiry exact; bounded size; failures not kept.
import { describe, expect, it } from "vitest";
import type { ApiKeyStore, StoredApiKey } from "./api-key-store.js";
import { createApiKeyVerifier } from "./api-key-verifier.js";
import { mintKey } from "./key-secret.js";

const silent = { info() {}, warn() {}, error() {} };

function setUp(options: { cacheMs?: number; maxEntries?: number } = {}) {
  const rows = new Map<string, StoredApiKey>();
  let reads = 0;
  let failing = false;
  const store: ApiKeyStore = {
    insert: async (key) => (rows.set(key.prefix, key), true),
    listByUser: async () => [],
    findByPrefix: async (prefix) => {
      reads++;
      if (failing) throw new Error("store down");
      const row = rows.get(prefix);
      // A copy, as a database returns: later changes to the row are not seen through the cache.
      return row ? { ...row } : null;
    },
    revoke: async () => null,
    touch: async () => undefined,
  };
  let nowMs = Date.UTC(2030, 0, 1);
  const verifier = createApiKeyVerifier({
    store,
    clock: { now: () => new Date(nowMs) },
    logger: silent,
    cacheMs: options.cacheMs ?? 5_000,
    ...(options.maxEntries && { maxEntries: options.maxEntries }),
  });
  const add = (fields: Partial<StoredApiKey> = {}) => {
    const minted = mintKey();
    const row: StoredApiKey = {
      id: `id-${rows.size}`,
      userId: "ada",
      name: "k",
      prefix: minted.prefix,
      hash: minted.hash,
      createdAt: new Date(nowMs),
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      ...fields,
    };
    rows.set(row.prefix, row);
    return { key: minted.key, row };
  };
  return {
    verifier,
    add,
    reads: () => reads,
    fail: (value: boolean) => (failing = value),
    advance: (ms: number) => (nowMs += ms),
  };
}

describe("createApiKeyVerifier", () => {
  it("reads the store once per cache period, even for concurrent calls", async () => {
    const t = setUp();
    const { key } = t.add();
    const results = await Promise.all([1, 2, 3].map(() => t.verifier.verify(key)));
    expect(results).toEqual(Array(3).fill({ ok: true, userId: "ada", keyId: "id-0" }));
    t.advance(4_999);
    await t.verifier.verify(key);
    expect(t.reads()).toBe(1);
    t.advance(1);
    await t.verifier.verify(key);
    expect(t.reads()).toBe(2);
  });

  it("a revocation in the store is seen exactly when the cached entry lapses", async () => {
    const t = setUp({ cacheMs: 1_000 });
    const { key, row } = t.add();
    await t.verifier.verify(key);
    row.revokedAt = new Date(0);
    t.advance(999);
    expect((await t.verifier.verify(key)).ok).toBe(true);
    t.advance(1);
    expect(await t.verifier.verify(key)).toEqual({ ok: false, reason: "revoked" });
  });

  it("forget() drops a key at once", async () => {
    const t = setUp();
    const { key, row } = t.add();
    await t.verifier.verify(key);
    row.revokedAt = new Date(0);
    t.verifier.forget(row.id);
    expect(await t.verifier.verify(key)).toEqual({ ok: false, reason: "revoked" });
  });

  it("expiry is exact, cached or not", async () => {
    const t = setUp();
    const { key } = t.add({ expiresAt: new Date(Date.UTC(2030, 0, 1) + 100) });
    expect((await t.verifier.verify(key)).ok).toBe(true);
    t.advance(99);
    expect((await t.verifier.verify(key)).ok).toBe(true);
    t.advance(1);
    expect(await t.verifier.verify(key)).toEqual({ ok: false, reason: "expired" });
  });

  it("a wrong secret under a real prefix, and malformed keys, are unknown", async () => {
    const t = setUp();
    const { key } = t.add();
    const wrong = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    for (const presented of [wrong, "pk_short", "", key + "x"]) {
      expect(await t.verifier.verify(presented)).toEqual({ ok: false, reason: "unknown" });
    }
  });

  it("keeps at most maxEntries keys, dropping the least recently used", async () => {
    const t = setUp({ maxEntries: 2 });
    const [a, b, c] = [t.add(), t.add(), t.add()];
    await t.verifier.verify(a.key);
    await t.verifier.verify(b.key);
    await t.verifier.verify(a.key);
    await t.verifier.verify(c.key); // evicts b, the least recently used
    expect(t.reads()).toBe(3);
    await t.verifier.verify(a.key);
    await t.verifier.verify(c.key);
    expect(t.reads()).toBe(3);
    await t.verifier.verify(b.key);
    expect(t.reads()).toBe(4);
  });

  it("does not remember a failed read", async () => {
    const t = setUp();
    const { key } = t.add();
    t.fail(true);
    await expect(t.verifier.verify(key)).rejects.toThrow("store down");
    t.fail(false);
    expect((await t.verifier.verify(key)).ok).toBe(true);
  });
});
