// The ApiKeyStore over a real MariaDB: a clashing prefix is refused (the use case mints another), lists
// are per user and newest first, revocation is scoped by user and keeps its first time, touch records use.
import { describe, expect, it } from "vitest";
import { createMysqlApiKeyStore } from "../../src/adapters/mysql/mysql-api-key-store.js";
import { uuidV7 } from "../../src/adapters/system-clock.js";
import type { ApiKeyStore, StoredApiKey } from "../../src/application/keys/api-key-store.js";
import { mysqlStorePerFile } from "../support/mysql-store-per-file.js";

const mysql = mysqlStorePerFile<ApiKeyStore>((database) => createMysqlApiKeyStore(database.db));

let counter = 0;
function aKey(fields: Partial<StoredApiKey> = {}): StoredApiKey {
  counter++;
  return {
    id: uuidV7(),
    userId: "ada",
    name: `key ${counter}`,
    prefix: `pk_${String(counter).padStart(8, "0")}`,
    hash: "ab".repeat(32),
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, counter)),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...fields,
  };
}

describe("createMysqlApiKeyStore", () => {
  it("stores a key and finds it by prefix, hash included; a taken prefix is refused", async () => {
    const key = aKey({ name: "Ünïcode 🔑", expiresAt: new Date(Date.UTC(2031, 0, 1)) });
    expect(await mysql.store.insert(key)).toBe(true);
    expect(await mysql.store.findByPrefix(key.prefix)).toEqual(key);
    expect(await mysql.store.insert(aKey({ prefix: key.prefix }))).toBe(false);
    expect(await mysql.store.findByPrefix("pk_nothere")).toBeNull();
  });

  it("lists one user's keys, newest first, without hashes", async () => {
    const [older, newer, other] = [aKey({ userId: "bo" }), aKey({ userId: "bo" }), aKey({ userId: "Bo" })];
    for (const key of [older, newer, other]) await mysql.store.insert(key);
    const listed = await mysql.store.listByUser("bo");
    expect(listed.map((k) => k.id)).toEqual([newer.id, older.id]);
    expect(listed[0]).not.toHaveProperty("hash");
  });

  it("revokes only the owner's key, once; touch records the last use", async () => {
    const key = aKey({ userId: "cy" });
    await mysql.store.insert(key);
    expect(await mysql.store.revoke("someone-else", key.id, new Date())).toBeNull();
    expect((await mysql.store.findByPrefix(key.prefix))?.revokedAt).toBeNull();
    const first = new Date(Date.UTC(2030, 5, 1));
    expect((await mysql.store.revoke("cy", key.id, first))?.revokedAt).toEqual(first);
    expect((await mysql.store.revoke("cy", key.id, new Date(Date.UTC(2030, 6, 1))))?.revokedAt).toEqual(
      first,
    );
    const used = new Date(Date.UTC(2030, 5, 2, 1, 2, 3, 456));
    await mysql.store.touch(key.id, used);
    expect((await mysql.store.findByPrefix(key.prefix))?.lastUsedAt).toEqual(used);
  });
});
