// The migration to message trees, on a populated database of the schema before it: every chat becomes
// one path (each message follows the one before it, at its position), its newest message the leaf, and
// GetChat shows exactly what it showed before.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import { createPool, type Pool, type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testServerUrl } from "@parley/test-support";
import { migrationsFolder } from "../../src/adapters/mysql/migrations.js";
import { createDatabase, type Database } from "../../src/adapters/mysql/database.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";

interface Journal {
  entries: { idx: number; tag: string }[];
}

const name = `parley_test_${randomBytes(6).toString("hex")}`;
let pool: Pool;
let before: string;

/** The migrations up to (not including) the message tree's, as the database stood before it. */
function migrationsBeforeTree(): string {
  const folder = mkdtempSync(join(tmpdir(), "parley-migrations-"));
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as Journal;
  const tree = journal.entries.findIndex((entry) => entry.tag === "0012_message_tree");
  expect(tree).toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, tree) }));
  return folder;
}

/** Chats of the old schema: `lengths[i]` messages each (0 = a chat without messages), seq 1..n. */
async function populate(lengths: number[]) {
  const now = new Date("2026-11-01T00:00:00.000Z");
  const chatIds: string[] = [];
  for (const [c, length] of lengths.entries()) {
    const chatId = `0190f5b2-7f00-7000-8000-${String(c).padStart(12, "0")}`;
    chatIds.push(chatId);
    await pool.query(
      "INSERT INTO chats (id, user_id, title, model, created_at, updated_at) VALUES (?, 'migrated', ?, 'gpt-4o-mini', ?, ?)",
      [chatId, `chat ${c}`, now, now],
    );
    const rows = Array.from({ length }, (_, i) => [
      `0190f5b2-7f00-7000-9${String(c).padStart(3, "0")}-${String(i).padStart(12, "0")}`,
      chatId,
      i + 1,
      i % 2 === 0 ? "user" : "assistant",
      `chat ${c} message ${i + 1}`,
      4,
      "complete",
      now,
      now,
    ]);
    if (rows.length > 0) {
      await pool.query(
        "INSERT INTO messages (id, chat_id, seq, role, content, token_count, status, created_at, updated_at) VALUES ?",
        [rows],
      );
    }
  }
  return chatIds;
}

let chatIds: string[];
let database: Database;
beforeAll(async () => {
  pool = createPool({ uri: testServerUrl(), connectionLimit: 2 });
  await pool.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await pool.query(`USE \`${name}\``);
  before = migrationsBeforeTree();
  const single = createPool({ uri: `${testServerUrl()}/${name}`, connectionLimit: 1 });
  await migrate(drizzle({ client: single }), { migrationsFolder: before });
  await single.end();
  await pool.end();
  pool = createPool({ uri: `${testServerUrl()}/${name}`, connectionLimit: 2 });
  chatIds = await populate([1, 2, 7, 0, 120]);
  // The service opens it as it would after an upgrade: the rest of the migrations run now.
  database = await createDatabase(`${testServerUrl()}/${name}`);
}, 120_000);
afterAll(async () => {
  await database?.close();
  await pool?.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await pool?.end();
  if (before) rmSync(before, { recursive: true, force: true });
});

describe("the message-tree migration on a populated database", () => {
  it("turns every chat into one path that shows what the chat showed before", async () => {
    const repository = createMysqlChatRepository(database, testUsageMeter);
    for (const chatId of chatIds) {
      const [rows] = await pool.query<RowDataPacket[]>(
        "SELECT id, content FROM messages WHERE chat_id = ? ORDER BY seq",
        [chatId],
      );
      const path = await repository.listPath(chatId, null, 200, null);
      expect(path?.items.map((m) => [m.id, m.content])).toEqual(rows.map((r) => [r["id"], r["content"]]));
      expect(path?.items.map((m) => [m.parentId, m.depth, m.siblings.count])).toEqual(
        rows.map((_, i) => [rows[i - 1]?.["id"] ?? null, i + 1, 1]),
      );
      expect(path?.leafId).toBe(rows.at(-1)?.["id"] ?? null);
    }
  });

  it("lets the migrated chats go on: a new turn follows the newest message", async () => {
    const repository = createMysqlChatRepository(database, testUsageMeter);
    const chatId = chatIds[2]!;
    const turn = await repository.startTurn({
      userId: "migrated",
      chatId,
      newChat: null,
      userMessage: { id: "0190f5b2-7f00-7000-a000-000000000001", content: "and now?", tokenCount: 2 },
      replyId: "0190f5b2-7f00-7000-a000-000000000002",
      lease: { owner: "0190f5b2-7f00-7000-a000-0000000000ff", expiresAt: new Date(Date.now() + 60_000) },
      now: new Date(),
      historyLimit: 50,
      maxLiveReplies: 0,
    });
    expect(turn.userMessage).toMatchObject({ depth: 8, seq: 8 });
    expect(turn.history.map((m) => m.depth)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });
});
