/**
 * The run's own database: created (utf8mb4) and migrated by the service's own `createDatabase`, seeded
 * with stored chats by bulk inserts straight into `messages`, and dropped at the end.
 */
import { randomBytes } from "node:crypto";
import { testServerUrl } from "@parley/test-support";
import mysql from "mysql2/promise";
import { createDatabase } from "../../dist/adapters/mysql/database.js";
import { uuidV7 } from "../../dist/adapters/system-clock.js";

/** The server to use, as the tests take it: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else local root. */
export function serverUrl() {
  return testServerUrl(process.env.BENCH_DATABASE_URL);
}

export async function createBenchDatabase() {
  const url = `${serverUrl()}/parley_bench_${randomBytes(5).toString("hex")}`;
  const database = await createDatabase(url, { connectionLimit: 4 });
  const { pool } = database;
  return {
    url,
    pool,
    /** Drizzle on the pool, for the service's own adapters (row 15's backfill). */
    db: database.db,
    /**
     * A chat of `count` stored messages, alternating user and assistant, oldest first. `message(k)` gives
     * the content and token count of the message `k` places before the newest (k = 0 is the newest), so
     * chats of different lengths can end in exactly the same messages.
     */
    async seedChat({ userId, count, message }) {
      const chatId = uuidV7();
      const now = new Date();
      await pool.query(
        "insert into chats (id, user_id, title, model, created_at, updated_at) values (?, ?, ?, ?, ?, ?)",
        [chatId, userId, `bench ${count}`, "gpt-4o-mini", now, now],
      );
      // One path: each message follows the one before it.
      let previous = null;
      for (let start = 1; start <= count; start += 1_000) {
        const rows = [];
        for (let seq = start; seq < Math.min(count + 1, start + 1_000); seq++) {
          const { content, tokenCount } = message(count - seq);
          const role = (count - seq) % 2 === 0 ? "assistant" : "user";
          const id = uuidV7();
          rows.push([id, chatId, seq, previous, seq, role, content, tokenCount, "complete", now, now]);
          previous = id;
        }
        await pool.query(
          "insert into messages (id, chat_id, seq, parent_id, depth, role, content, token_count, status, created_at, updated_at) values ?",
          [rows],
        );
      }
      return chatId;
    },
    /**
     * A chat of `branches` × `perBranch` messages, as if edited again and again: branch 0 starts the chat;
     * branch b starts with an edited user message under the middle of branch b − 1 (its message
     * perBranch / 2, a reply) and goes on for `perBranch` messages. The active leaf is the end of branch
     * `activeBranch`, an older branch than the newest, so its path (about activeBranch × perBranch / 2
     * deep, across activeBranch forks) is not among the chat's newest messages. `message(k)` is the
     * content of the message k places before the end of its branch, as for `seedChat`, so the active
     * path ends in the same messages as a seeded straight chat.
     */
    async seedBranchedChat({ userId, branches, perBranch, activeBranch, message }) {
      const chatId = uuidV7();
      const now = new Date();
      await pool.query(
        "insert into chats (id, user_id, title, model, created_at, updated_at) values (?, ?, ?, ?, ?, ?)",
        [chatId, userId, `bench ${branches} branches`, "gpt-4o-mini", now, now],
      );
      let seq = 0;
      let forkParent = null; // { id, depth }
      let leafId = null;
      for (let b = 0; b < branches; b++) {
        const rows = [];
        let parent = forkParent;
        for (let i = 1; i <= perBranch; i++) {
          const id = uuidV7();
          const depth = (parent?.depth ?? 0) + 1;
          const { content, tokenCount } = message(perBranch - i);
          const role = i % 2 === 1 ? "user" : "assistant";
          // Each branch is a run of its own (the first one is the chat's: null); see chain_id in the schema.
          const chain = b === 0 ? null : (rows[0]?.[0] ?? id);
          rows.push([
            id,
            chatId,
            ++seq,
            parent?.id ?? null,
            depth,
            chain,
            role,
            content,
            tokenCount,
            "complete",
            now,
            now,
          ]);
          if (i === perBranch / 2) forkParent = { id, depth };
          parent = { id, depth };
        }
        if (b === activeBranch) leafId = parent.id;
        await pool.query(
          "insert into messages (id, chat_id, seq, parent_id, depth, chain_id, role, content, token_count, status, created_at, updated_at) values ?",
          [rows],
        );
      }
      await pool.query("update chats set active_leaf_id = ? where id = ?", [leafId, chatId]);
      return { chatId, count: seq, leafId };
    },
    /**
     * Removes the turns a benchmark added to a seeded chat, so every request sees the same history (and,
     * for a branched chat, switches it back to the branch it was seeded on).
     */
    async trimChat(chatId, count, leafId = null) {
      await pool.query("delete from messages where chat_id = ? and seq > ?", [chatId, count]);
      if (leafId) await pool.query("update chats set active_leaf_id = ? where id = ?", [leafId, chatId]);
    },
    async drop() {
      try {
        await pool.query(`drop database if exists \`${database.name}\``);
      } finally {
        await database.close();
      }
    },
  };
}

/** Drops a database this run created (its name must be one of ours). */
export async function dropBenchDatabase(name) {
  if (!/^parley_bench_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const connection = await mysql.createConnection(serverUrl());
  try {
    await connection.query(`drop database if exists \`${name}\``);
  } finally {
    await connection.end();
  }
}
