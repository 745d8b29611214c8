import { randomBytes } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { createMysqlWhatsAppStore } from "../../src/adapters/mysql/mysql-whatsapp-store.js";
import type { NewWhatsAppTurn, WhatsAppStore } from "../../src/application/whatsapp/whatsapp-ports.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { aChat, aTurn } from "../support/chat-builders.js";

let database: TestDatabase;
let store: WhatsAppStore;
beforeAll(async () => {
  database = await createTestDatabase();
  store = createMysqlWhatsAppStore(database.db);
});
afterAll(() => database.drop());

const now = new Date("2025-03-01T12:00:00.000Z");
const owner = "0190f5b2-7f00-7000-8000-0000000000aa";
const aSid = () => `SM${randomBytes(16).toString("hex")}`;
let senders = 0;
const aSender = () => `whatsapp:+5511900${String(++senders).padStart(6, "0")}`;
const aWhatsAppTurn = (overrides: Partial<NewWhatsAppTurn> = {}): NewWhatsAppTurn => ({
  messageSid: aSid(),
  sender: aSender(),
  kind: "chat",
  lease: { owner, expiresAt: new Date(now.getTime() + 60_000) },
  now,
  ...overrides,
});

async function turnRow(messageSid: string) {
  const [rows] = await database.pool.query<RowDataPacket[]>(
    "SELECT * FROM whatsapp_messages WHERE message_sid = ?",
    [messageSid],
  );
  return rows[0];
}

/** A chat owned by `sender`, as sendMessage would have created it. */
async function aChatOf(sender: string) {
  const chat = aChat({ userId: sender });
  await createMysqlChatRepository(database, testUsageMeter).startTurn(aTurn(chat));
  return chat.id;
}

describe("recordTurn", () => {
  it("records a message once: a redelivery is a duplicate", async () => {
    const turn = aWhatsAppTurn();
    expect(await store.recordTurn(turn)).toEqual({ duplicate: false, kind: "chat", chatId: null });
    expect(await store.recordTurn(turn)).toEqual({ duplicate: true });
    expect(await turnRow(turn.messageSid)).toMatchObject({
      kind: "chat",
      status: "answering",
      parts_sent: 0,
    });
  });

  it("records concurrent deliveries of one message exactly once", async () => {
    const turn = aWhatsAppTurn();
    const results = await Promise.all(Array.from({ length: 8 }, () => store.recordTurn(turn)));
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
  });

  it("lets one chat message of a sender answer at a time; the others are busy, commands are not", async () => {
    const sender = aSender();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.recordTurn(aWhatsAppTurn({ sender }))),
    );
    expect(results.map((result) => (result.duplicate ? "duplicate" : result.kind)).sort()).toEqual([
      "busy",
      "busy",
      "busy",
      "busy",
      "busy",
      "chat",
    ]);
    expect(await store.recordTurn(aWhatsAppTurn({ sender, kind: "command" }))).toMatchObject({
      kind: "command",
    });
  });

  it("is not busy once the answering turn finished, or when its lease ran out", async () => {
    const sender = aSender();
    const first = aWhatsAppTurn({ sender });
    await store.recordTurn(first);
    await store.finishTurn(first.messageSid, {
      owner,
      status: "answered",
      partsSent: 2,
      errorCode: null,
      error: null,
      now,
    });
    const second = aWhatsAppTurn({ sender });
    expect(await store.recordTurn(second)).toMatchObject({ kind: "chat" });
    const later = new Date(now.getTime() + 60_001); // the second turn's lease ran out (its process is gone)
    expect(await store.recordTurn(aWhatsAppTurn({ sender, now: later }))).toMatchObject({ kind: "chat" });
  });

  it("keeps concurrent first messages of many senders apart, without deadlocks", async () => {
    const turns = Array.from({ length: 20 }, () => aWhatsAppTurn());
    const results = await Promise.all(turns.map((turn) => store.recordTurn(turn)));
    expect(results.every((result) => !result.duplicate && result.kind === "chat")).toBe(true);
  });
});

describe("which chat a sender is in", () => {
  it("is the chat of their first reply until they leave it; a deleted chat is left too", async () => {
    const sender = aSender();
    const first = aWhatsAppTurn({ sender });
    await store.recordTurn(first);
    const chatId = await aChatOf(sender);
    const replyId = "0190aaaa-0000-7000-8000-000000000001";
    await store.replyStarted(first.messageSid, { sender, chatId, replyId, newChat: true, now });
    expect(await turnRow(first.messageSid)).toMatchObject({ chat_id: chatId, reply_id: replyId });
    expect(await store.answeringReply(sender, now)).toBe(replyId);
    await store.finishTurn(first.messageSid, {
      owner,
      status: "failed",
      partsSent: 1,
      errorCode: "63016",
      error: "outside the window",
      now,
    });
    expect(await turnRow(first.messageSid)).toMatchObject({
      status: "failed",
      parts_sent: 1,
      error_code: "63016",
      error: "outside the window",
    });
    expect(await store.answeringReply(sender, now)).toBeNull();

    expect(await store.recordTurn(aWhatsAppTurn({ sender }))).toMatchObject({ chatId });
    await store.leaveChat(sender, now);
    expect(await store.recordTurn(aWhatsAppTurn({ sender, kind: "command" }))).toMatchObject({
      chatId: null,
    });

    const next = aWhatsAppTurn({ sender, kind: "command" });
    await store.recordTurn(next);
    const otherChat = await aChatOf(sender);
    await store.replyStarted(next.messageSid, { sender, chatId: otherChat, replyId, newChat: true, now });
    await database.pool.query("DELETE FROM chats WHERE id = ?", [otherChat]);
    expect(await store.recordTurn(aWhatsAppTurn({ sender, kind: "command" }))).toMatchObject({
      chatId: null,
    });
  });
});

describe("leases", () => {
  it("only the owner ends a turn; the sweeper ends turns whose lease ran out, and only those", async () => {
    const open = aWhatsAppTurn();
    const renewed = aWhatsAppTurn({ lease: { owner: "alive", expiresAt: new Date(now.getTime() + 60_000) } });
    const done = aWhatsAppTurn();
    for (const turn of [open, renewed, done]) await store.recordTurn(turn);
    const answered = { status: "answered", partsSent: 1, errorCode: null, error: null, now } as const;
    expect(await store.finishTurn(done.messageSid, { ...answered, owner: "someone else" })).toBe(false);
    expect(await store.finishTurn(done.messageSid, { ...answered, owner })).toBe(true);
    expect(await store.renewLeases("alive", [renewed.messageSid], new Date(now.getTime() + 600_000))).toBe(1);

    const later = new Date(now.getTime() + 120_000);
    expect((await store.endExpiredLeases(later)).map((row) => row.id)).toContain(open.messageSid);
    expect(await turnRow(open.messageSid)).toMatchObject({ status: "interrupted", owner: null });
    expect(await turnRow(renewed.messageSid)).toMatchObject({ status: "answering", owner: "alive" });
    expect(await turnRow(done.messageSid)).toMatchObject({ status: "answered" });
    // The late owner cannot undo the sweeper's decision.
    expect(await store.finishTurn(open.messageSid, { ...answered, owner })).toBe(false);
    expect(await turnRow(open.messageSid)).toMatchObject({ status: "interrupted" });
  });
});
