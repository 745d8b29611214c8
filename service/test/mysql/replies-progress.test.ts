/** Progress saves on MariaDB: several live replies in one UPDATE, each fenced by its owner. */
import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { aChat, anOutcome, aTurn, testOwner } from "../support/chat-builders.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { mysqlStorePerFile } from "../support/mysql-store-per-file.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { ReplyProgressWriter } from "../../src/application/replies/reply-progress.js";

const mysql = mysqlStorePerFile((database) => createMysqlChatRepository(database.db, testUsageMeter));

const now = new Date("2025-04-01T10:00:00.000Z");
const saved = new Date("2025-04-01T10:00:01.500Z");

async function aLiveReply(owner = testOwner) {
  const chat = aChat({ createdAt: now, updatedAt: now });
  const { reply } = await mysql.store.startTurn(aTurn(chat, { now, lease: { owner, expiresAt: saved } }));
  return reply.id;
}

async function rowsOf(ids: string[]) {
  const [rows] = await mysql.database.pool.query<RowDataPacket[]>(
    "SELECT id, content, status, fitted_prompt_tokens, updated_at FROM messages WHERE id IN (?)",
    [ids],
  );
  return Object.fromEntries(rows.map((row) => [row["id"] as string, row]));
}

describe("saving live replies' progress", () => {
  it("saves every reply of a batch in one statement, each with its own text, verbatim", async () => {
    const ids = await Promise.all([1, 2, 3].map(() => aLiveReply()));
    const texts = ["It's \"quoted\" \\ and ';", "emoji 🧪 and CJK 汉字", ""];

    mysql.sent.length = 0;
    const result = await mysql.store.saveRepliesProgress(
      testOwner,
      ids.map((replyId, i) => ({ replyId, content: texts[i]!, promptTokens: null })),
      saved,
    );

    expect([...result].sort()).toEqual([...ids].sort());
    expect(mysql.sent).toHaveLength(1);
    const rows = await rowsOf(ids);
    ids.forEach((id, i) => {
      expect(rows[id]).toMatchObject({ content: texts[i], status: "streaming", updated_at: saved });
    });
  });

  it("leaves a reply that is not the owner's to save unchanged, and says which were saved", async () => {
    const [mine, ended, anothers] = [
      await aLiveReply(),
      await aLiveReply(),
      await aLiveReply("another-process"),
    ];
    await mysql.store.finishReply(ended, anOutcome({ content: "the end", now }));

    const result = await mysql.store.saveRepliesProgress(
      testOwner,
      [mine, ended, anothers].map((replyId) => ({ replyId, content: "late text", promptTokens: 7 })),
      saved,
    );

    expect([...result]).toEqual([mine]);
    const rows = await rowsOf([mine, ended, anothers]);
    expect(rows[mine]).toMatchObject({ content: "late text", fitted_prompt_tokens: 7 });
    expect(rows[ended]).toMatchObject({ content: "the end", status: "complete" });
    expect(rows[anothers]).toMatchObject({ content: "", status: "streaming", fitted_prompt_tokens: null });
  });

  it("stores each reply's prompt tokens where known, keeping a stored count where not", async () => {
    const [first, second] = [await aLiveReply(), await aLiveReply()];
    await mysql.store.saveRepliesProgress(
      testOwner,
      [{ replyId: first, content: "a", promptTokens: 120 }],
      now,
    );

    await mysql.store.saveRepliesProgress(
      testOwner,
      [
        { replyId: first, content: "ab", promptTokens: null },
        { replyId: second, content: "x", promptTokens: 35 },
      ],
      saved,
    );

    const rows = await rowsOf([first, second]);
    expect(rows[first]).toMatchObject({ content: "ab", fitted_prompt_tokens: 120 });
    expect(rows[second]).toMatchObject({ content: "x", fitted_prompt_tokens: 35 });
  });

  it("saves 300 replies asking at once in three statements through the writer, every text landing", async () => {
    const ids: string[] = [];
    // Started 50 at a time: the pool's queue holds 100 waiting borrowers.
    while (ids.length < 300) ids.push(...(await Promise.all(Array.from({ length: 50 }, () => aLiveReply()))));
    const quiet = { info() {}, warn() {}, error() {} };
    const writer = new ReplyProgressWriter(mysql.store, testOwner, { now: () => saved }, quiet);
    const lost: string[] = [];
    mysql.sent.length = 0;

    for (const replyId of ids) {
      writer.request({
        replyId,
        progress: () => ({ content: `text of ${replyId}`, promptTokens: 11 }),
        leaseLost: () => lost.push(replyId),
      });
    }

    const updates = () => mysql.sent.filter((statement) => statement.startsWith("update `messages`"));
    await expect.poll(updates, { timeout: 5_000 }).toHaveLength(3);
    await expect
      .poll(
        async () =>
          Object.values(await rowsOf(ids)).filter((row) => row["content"] === `text of ${row["id"]}`),
        { timeout: 5_000 },
      )
      .toHaveLength(300);
    expect(lost).toEqual([]);
    expect(updates()).toHaveLength(3);
  });

  it("writes nothing for an empty batch", async () => {
    expect([...(await mysql.store.saveRepliesProgress(testOwner, [], saved))]).toEqual([]);
    expect(mysql.sent).toEqual([]);
  });
});
