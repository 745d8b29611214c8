import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastPrompt, startParley, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({ settings: { limits: { contextWindow: 2_000, maxOutputTokens: 500 } } });
});
afterAll(() => harness?.stop());

/** Appends `count` stored turns to a chat in bulk, each message "message <seq>" of `tokens` tokens. */
async function appendHistory(chatId: string, fromSeq: number, count: number, tokens: number) {
  const now = new Date();
  // Each message follows the one before it: the chat stays one path.
  const [[last]] = (await harness.database.pool.query(
    "select id from messages where chat_id = ? and seq = ?",
    [chatId, fromSeq - 1],
  )) as unknown as [[{ id: string }]];
  let previous = last.id;
  for (let start = 0; start < count; start += 1_000) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + 1_000); i++) {
      const seq = fromSeq + i;
      const id = randomUUID();
      rows.push([
        id,
        chatId,
        seq,
        previous,
        seq,
        seq % 2 ? "user" : "assistant",
        `message ${seq}`,
        tokens,
        "complete",
        now,
        now,
      ]);
      previous = id;
    }
    await harness.database.pool.query(
      "insert into messages (id, chat_id, seq, parent_id, depth, role, content, token_count, status, created_at, updated_at) values ?",
      [rows],
    );
  }
}

describe("a long chat", () => {
  it("builds the prompt from the newest messages that fit, in order, and reports the rest as left out", async () => {
    const client = harness.client("grpc");
    harness.simulator.script({ text: "first" });
    let chatId = "";
    for await (const { event } of client.sendMessage({ userId: "long", text: "start" })) {
      if (event?.kind.case === "started") chatId = event.kind.value.chatId;
    }
    await appendHistory(chatId, 3, 5_000, 7);

    harness.simulator.script({ text: "answer" });
    let leftOut = -1;
    for await (const { event } of client.sendMessage({ userId: "long", chatId, text: "latest question" })) {
      if (event?.kind.case === "started") leftOut = event.kind.value.context!.messagesLeftOut;
    }
    const sent = lastPrompt(harness);
    // budget = 2000 − 500 − 3 = 1497; system (4+3) and the new message (2+3) leave 1485; each stored
    // message costs 7 + 3 = 10 → the newest 148 fit.
    const history = sent.slice(1, -1);
    expect(history).toHaveLength(148);
    expect(history.at(-1)!.content).toBe("message 5002");
    expect(history[0]!.content).toBe(`message ${5002 - 147}`);
    expect(sent.at(-1)).toEqual({ role: "user", content: "latest question" });
    expect(sent[0]!.role).toBe("system");
    expect(leftOut).toBe(5_002 - 148);
  });
});
