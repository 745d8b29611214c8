// The admin CLI as an operator runs it: the built `dist/admin-cli.js` as a process, configured by
// DATABASE_URL alone (no running service), creating, listing and revoking a user's keys. The key it
// prints is verified by the same verifier the service uses.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlApiKeyStore } from "../../src/adapters/mysql/mysql-api-key-store.js";
import { createApiKeyVerifier } from "../../src/application/keys/api-key-verifier.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { silentLogger } from "../support/use-case-fixture.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../../dist/admin-cli.js", import.meta.url));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

/** Runs the CLI in an empty directory (no `.env`); resolves with its output and exit code. */
async function admin(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const cwd = mkdtempSync(path.join(tmpdir(), "parley-admin-"));
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd,
      env: { PATH: process.env["PATH"] ?? "", DATABASE_URL: database.url },
      encoding: "utf8",
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe("npm run admin -w service -- keys", () => {
  it("creates a key that acts as the user, lists it without the secret, and revokes it", async () => {
    const created = await admin("keys", "create", "ops-user", "--name", "deploy bot", "--expires-days", "7");
    expect(created.code).toBe(0);
    const key = created.stdout.split("\n")[0]!;
    expect(key).toMatch(/^pk_[0-9A-Za-z]{8}_/);

    const verifier = createApiKeyVerifier({
      store: createMysqlApiKeyStore(database.db),
      clock: { now: () => new Date() },
      logger: silentLogger,
      cacheMs: 0,
    });
    expect(await verifier.verify(key)).toMatchObject({ ok: true, userId: "ops-user" });

    const listed = await admin("keys", "list", "ops-user");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(key.slice(0, 11));
    expect(listed.stdout).toContain('"deploy bot"');
    expect(listed.stdout).toContain("active");
    expect(listed.stdout).not.toContain(key.slice(12));
    const keyId = listed.stdout.split(/\s+/)[0]!;

    const revoked = await admin("keys", "revoke", "ops-user", keyId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("revoked");
    expect(await verifier.verify(key)).toEqual({ ok: false, reason: "revoked" });
  });

  it("another user's key is not found (exit 1); bad arguments exit 2 with the usage", async () => {
    const created = await admin("keys", "create", "owner");
    const keyId = (await admin("keys", "list", "owner")).stdout.split(/\s+/)[0]!;
    expect(created.code).toBe(0);
    const other = await admin("keys", "revoke", "someone-else", keyId);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("not found");

    for (const args of [
      ["keys"],
      ["keys", "create"],
      ["keys", "create", "u", "--expires-days", "soon"],
      ["nope"],
    ]) {
      const bad = await admin(...args);
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr).toContain("usage: npm run admin -w service -- <command>");
    }
  });
});

describe("npm run admin -w service -- limits / usage", () => {
  it("overrides a user's limits, puts one back to the default, blocks and unblocks", async () => {
    const set = await admin("limits", "set", "limited", "--daily-tokens", "500", "--concurrent", "0");
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("limited  blocked=false");
    expect(set.stdout).toContain("daily-tokens=500  (override; default none)");
    expect(set.stdout).toContain("concurrent=none  (override; default 3)");
    expect(set.stdout).toContain("per-minute=20  (default; default 20)");

    const reset = await admin("limits", "set", "limited", "--daily-tokens", "default");
    expect(reset.stdout).toContain("daily-tokens=none  (default; default none)");
    expect(reset.stdout).toContain("concurrent=none  (override; default 3)");

    expect((await admin("limits", "block", "limited")).stdout).toContain("limited  blocked=true");
    const [rows] = await database.pool.query("select blocked from user_limits where user_id = 'limited'");
    expect((rows as { blocked: number }[])[0]!.blocked).toBe(1);
    expect((await admin("limits", "unblock", "limited")).stdout).toContain("limited  blocked=false");
    expect((await admin("limits", "show", "limited")).stdout).toContain(
      "concurrent=none  (override; default 3)",
    );
  });

  it("prints a user's usage from the daily aggregate", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await database.pool.query(
      `insert into usage_daily (user_id, day, kind, prompt_tokens, completion_tokens, replies, estimated_replies,
         cost_micros, updated_at) values ('spender', ?, 'reply', 1200, 300, 4, 1, 2500, now(3))`,
      [today],
    );
    const usage = await admin("usage", "spender");
    expect(usage.code).toBe(0);
    expect(usage.stdout.trim()).toBe("spender  today-tokens=1500  month-tokens=1500  month-cost-micros=2500");
  });

  it("refuses bad limits arguments with the usage (exit 2)", async () => {
    for (const args of [
      ["limits"],
      ["limits", "set", "u"],
      ["limits", "set", "u", "--daily-tokens", "-1"],
      ["limits", "set", "u", "--daily-tokens", "lots"],
      ["limits", "show"],
      ["usage"],
    ]) {
      const bad = await admin(...args);
      expect(bad.code, args.join(" ")).toBe(2);
    }
  });
});

describe("npm run admin -w service -- search reindex", () => {
  it("indexes stored chats that are not searchable yet, and finds nothing left the second time", async () => {
    const now = new Date();
    const chatId = "0190f5b2-7f00-7000-8000-00000000c4a7";
    await database.pool.query(
      "INSERT INTO chats (id, user_id, title, model, created_at, updated_at) VALUES (?, 'old-user', 'Old chat', 'gpt-4o-mini', ?, ?)",
      [chatId, now, now],
    );
    await database.pool.query(
      `INSERT INTO messages ${"(id, chat_id, seq, parent_id, depth, role, content, token_count, status, created_at, updated_at)"}
       VALUES ('0190f5b2-7f00-7000-8000-00000000c4a8', ?, 1, NULL, 1, 'user', 'stored before search', 3, 'complete', ?, ?),
              ('0190f5b2-7f00-7000-8000-00000000c4a9', ?, 2, '0190f5b2-7f00-7000-8000-00000000c4a8', 2, 'assistant', 'an old answer', 3, 'complete', ?, ?)`,
      [chatId, now, now, chatId, now, now],
    );
    const first = await admin("search", "reindex", "--batch", "1");
    expect(first).toMatchObject({ code: 0, stdout: "indexed 1 titles and 2 messages\n" });
    const again = await admin("search", "reindex");
    expect(again).toMatchObject({ code: 0, stdout: "indexed 0 titles and 0 messages\n" });

    for (const args of [["search"], ["search", "reindex", "--batch", "0"], ["search", "reindex", "extra"]]) {
      const bad = await admin(...args);
      expect(bad.code, args.join(" ")).toBe(2);
    }
  });
});
