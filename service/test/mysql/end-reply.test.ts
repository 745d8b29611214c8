/**
 * A reply's final write on MariaDB (end-reply.ts): the outcome and the day's usage together, exactly
 * once, in one statement when the user's day is already counted, in a transaction when it is not.
 */
import type { RowDataPacket } from "mysql2/promise";
import { describe, expect, it } from "vitest";
import type { ReplyOutcome } from "../../src/application/chats/chat-repository.js";
import { aChat, anOutcome, aTurn, longLease } from "../support/chat-builders.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { mysqlStorePerFile } from "../support/mysql-store-per-file.js";
import { testUsageMeter } from "../support/test-usage-meter.js";

const mysql = mysqlStorePerFile((database) => createMysqlChatRepository(database.db, testUsageMeter));

const day1 = new Date("2025-03-01T10:00:00.000Z");
const day1Later = new Date("2025-03-01T23:59:59.000Z");
const day2 = new Date("2025-03-02T00:00:01.000Z");
let users = 0;
const aUser = () => `end-reply-user-${++users}`;

/** A live reply of `userId`, in a chat of its own. */
async function aLiveReply(userId: string) {
  const chat = aChat({ userId, createdAt: day1, updatedAt: day1 });
  const { reply } = await mysql.store.startTurn(aTurn(chat, { now: day1 }));
  return reply.id;
}

function outcomeOf(userId: string, overrides: Partial<ReplyOutcome> = {}) {
  return anOutcome({ userId, now: day1, ...overrides });
}

interface UsageRow {
  day: string;
  kind: string;
  prompt_tokens: number;
  completion_tokens: number;
  replies: number;
  estimated_replies: number;
  cost_micros: number;
  updated_at: string;
}

async function usageRows(userId: string): Promise<UsageRow[]> {
  const [rows] = await mysql.database.pool.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(day, '%Y-%m-%d') AS day, kind, prompt_tokens, completion_tokens, replies,
            estimated_replies, cost_micros, updated_at
       FROM usage_daily WHERE user_id = ? ORDER BY day`,
    [userId],
  );
  return rows.map((row) => ({ ...(row as UsageRow), updated_at: (row["updated_at"] as Date).toISOString() }));
}

async function replyRow(replyId: string) {
  const [rows] = await mysql.database.pool.query<RowDataPacket[]>(
    "SELECT content, status, owner, prompt_tokens, search_pending FROM messages WHERE id = ?",
    [replyId],
  );
  return rows[0];
}

const transactionStatements = (statements: string[]) =>
  statements.filter((statement) => /^(begin|commit|rollback)\b/i.test(statement.trim()));

describe("ending a reply", () => {
  it("starts the user's day with the first reply, in a transaction, and adds later ones in one statement", async () => {
    const userId = aUser();
    const first = await aLiveReply(userId);
    const second = await aLiveReply(userId);
    const third = await aLiveReply(userId);

    mysql.sent.length = 0;
    expect(await mysql.store.finishReply(first, outcomeOf(userId))).toBe(true);
    expect(transactionStatements(mysql.sent)).toEqual(["begin", "commit"]);

    mysql.sent.length = 0;
    const estimated = {
      promptTokens: 30,
      completionTokens: 7,
      totalTokens: 37,
      source: "estimate",
      costMicros: 9,
    } as const;
    expect(
      await mysql.store.finishReply(second, outcomeOf(userId, { usage: estimated, now: day1Later })),
    ).toBe(true);
    expect(mysql.sent).toHaveLength(1);
    expect(mysql.sent[0]).toMatch(/^update `messages` straight_join `usage_daily`/);
    mysql.sent.length = 0;
    expect(await mysql.store.finishReply(third, outcomeOf(userId))).toBe(true);
    expect(mysql.sent).toHaveLength(1);

    // anOutcome's provider usage is 12 + 4 tokens, 4 µ$; the latest end time stays.
    expect(await usageRows(userId)).toEqual([
      {
        day: "2025-03-01",
        kind: "reply",
        prompt_tokens: 12 + 30 + 12,
        completion_tokens: 4 + 7 + 4,
        replies: 3,
        estimated_replies: 1,
        cost_micros: 4 + 9 + 4,
        updated_at: day1Later.toISOString(),
      },
    ]);
    for (const id of [first, second, third]) {
      expect(await replyRow(id)).toMatchObject({ status: "complete", owner: null, search_pending: 1 });
    }
    expect(await replyRow(second)).toMatchObject({ content: "General Kenobi.", prompt_tokens: 30 });
  });

  it("counts a reply that ends after midnight on the new day, starting its row", async () => {
    const userId = aUser();
    const [yesterday, today] = [await aLiveReply(userId), await aLiveReply(userId)];
    await mysql.store.finishReply(yesterday, outcomeOf(userId));

    expect(await mysql.store.finishReply(today, outcomeOf(userId, { now: day2 }))).toBe(true);

    expect((await usageRows(userId)).map((row) => [row.day, row.replies, row.prompt_tokens])).toEqual([
      ["2025-03-01", 1, 12],
      ["2025-03-02", 1, 12],
    ]);
  });

  it("ends a reply once: a second final write, or another owner's, changes neither the reply nor the day", async () => {
    const userId = aUser();
    const ended = await aLiveReply(userId);
    const live = await aLiveReply(userId);
    await mysql.store.finishReply(ended, outcomeOf(userId));
    const before = await usageRows(userId);

    expect(
      await mysql.store.finishReply(ended, outcomeOf(userId, { content: "again", now: day1Later })),
    ).toBe(false);
    expect(await mysql.store.finishReply(live, outcomeOf(userId, { owner: "another-process" }))).toBe(false);

    expect(await usageRows(userId)).toEqual(before);
    expect(await replyRow(ended)).toMatchObject({ content: "General Kenobi.", status: "complete" });
    expect(await replyRow(live)).toMatchObject({ content: "", status: "streaming", owner: longLease.owner });
  });

  it("adds every one of many concurrent final writes of a user exactly once, on a new day and a counted one", async () => {
    const userId = aUser();
    const replies = await Promise.all(Array.from({ length: 16 }, () => aLiveReply(userId)));

    // The first eight race to start the day (every one misses the one-statement path), the next eight
    // race on the counted day.
    const ends = await Promise.all(
      replies.slice(0, 8).map((id) => mysql.store.finishReply(id, outcomeOf(userId))),
    );
    const more = await Promise.all(
      replies.slice(8).map((id) => mysql.store.finishReply(id, outcomeOf(userId))),
    );

    expect([...ends, ...more]).toEqual(Array(16).fill(true));
    expect(await usageRows(userId)).toMatchObject([
      { replies: 16, prompt_tokens: 16 * 12, completion_tokens: 16 * 4, cost_micros: 16 * 4 },
    ]);
  });

  it("counts a reply once when its owner and a sweeper end it at the same moment", async () => {
    const userId = aUser();
    await mysql.store.finishReply(await aLiveReply(userId), outcomeOf(userId)); // the day is counted
    const chat = aChat({ userId, createdAt: day1, updatedAt: day1 });
    const lease = { owner: longLease.owner, expiresAt: new Date("2025-03-01T10:00:10.000Z") };
    const { reply } = await mysql.store.startTurn(aTurn(chat, { now: day1, lease }));

    const [owners, swept] = await Promise.all([
      mysql.store.finishReply(reply.id, outcomeOf(userId, { now: day1Later })),
      mysql.store.endExpiredLeases(day1Later),
    ]);

    expect(owners ? swept : swept.map((ended) => ended.id)).toEqual(owners ? [] : [reply.id]);
    expect(await usageRows(userId)).toMatchObject([{ replies: 2 }]);
  });
});
