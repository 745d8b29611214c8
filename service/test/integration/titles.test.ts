// Titles written by the model, end to end (real Connect client, MariaDB, the simulator): after a chat's
// first answer completes a title model names the chat in the background, once; a title the user set is
// never replaced, even by a generation already under way; what it costs counts as usage of kind `title`.
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { ReplyStatus, TitleSource } from "@parley/gen/parley/chat/v1/chat_pb";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { titleRequestMarker } from "../../src/application/titles/title-text.js";
import type { RecordedRequest } from "../../src/simulator/recorder.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply } from "../support/rpc-probes.js";

const titleModel = "gpt-4.1-nano";
/** Titles are written in the background, after the answer: room for a busy machine. */
const titleWait = { timeout: 10_000 };

let harness: Harness;
let client: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley({
    titleSettings: { model: titleModel, timeoutMs: 2_500, maxConcurrent: 4 },
  });
  client = harness.client("grpc");
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

const aUser = () => `titles-${randomUUID()}`;

const isTitleRequest = (request: RecordedRequest) =>
  JSON.stringify(request.body ?? "").includes(titleRequestMarker);
const titleRequests = (h: Harness = harness) => h.simulator.requests.filter(isTitleRequest);

async function send(userId: string, text: string, chatId?: string) {
  const reply = await collectReply(client.sendMessage({ userId, text, ...(chatId && { chatId }) }));
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  return reply.started!.chatId;
}

async function chatOf(userId: string, chatId: string) {
  return (await client.getChat({ userId, chatId })).chat!;
}

/** The user's usage_daily rows of kind `title`. */
async function titleUsage(userId: string) {
  const [rows] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT prompt_tokens, completion_tokens, replies FROM usage_daily WHERE user_id = ? AND kind = 'title'",
    [userId],
  );
  return rows.map((row) => ({
    promptTokens: Number(row["prompt_tokens"]),
    completionTokens: Number(row["completion_tokens"]),
    replies: Number(row["replies"]),
  }));
}

describe("a generated title", () => {
  it("is written once, after the first answer, by the title model, and replaces the first message's", async () => {
    const userId = aUser();
    harness.simulator.when(titleRequestMarker, { text: 'Title: "Weekend in Lisbon."\nA second line' });
    const chatId = await send(userId, "What should I see in Lisbon over a weekend?");

    await expect.poll(async () => (await chatOf(userId, chatId)).title, titleWait).toBe("Weekend in Lisbon");
    expect((await chatOf(userId, chatId)).titleSource).toBe(TitleSource.GENERATED);
    const [request] = titleRequests();
    expect(request?.body).toMatchObject({ model: titleModel, max_tokens: 24 });

    await send(userId, "And where should I eat?", chatId);
    expect(titleRequests()).toHaveLength(1);
    expect((await chatOf(userId, chatId)).title).toBe("Weekend in Lisbon");
  });

  it("counts toward usage as kind `title`: in GetUsage's tokens, not in its replies", async () => {
    const userId = aUser();
    harness.simulator.when(titleRequestMarker, { text: "Usage counted" });
    const chatId = await send(userId, "Count this please");
    await expect.poll(async () => (await chatOf(userId, chatId)).title, titleWait).toBe("Usage counted");

    const [title] = await titleUsage(userId);
    expect(title?.replies).toBe(1);
    const [[reply]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT prompt_tokens, completion_tokens FROM usage_daily WHERE user_id = ? AND kind = 'reply'",
      [userId],
    );
    const usage = await createClient(UsageService, harness.transport("grpc")).getUsage({ userId });
    expect(usage.today).toMatchObject({
      promptTokens: BigInt(title!.promptTokens + Number(reply!["prompt_tokens"])),
      completionTokens: BigInt(title!.completionTokens + Number(reply!["completion_tokens"])),
      replies: 1,
    });
  });

  it("never replaces a title the user set before the answer ended", async () => {
    const userId = aUser();
    harness.simulator.script({ text: "A slow answer", paceMs: 50 });
    harness.simulator.when(titleRequestMarker, { text: "Generated" });
    const stream = collectReply(client.sendMessage({ userId, text: "Rename me" }));
    await expect.poll(() => harness.simulator.requests.length).toBe(1);
    const chatId = (await client.listChats({ userId })).chats[0]!.id;
    await client.renameChat({ userId, chatId, title: "Mine" });
    await stream;

    await expect.poll(() => titleUsage(userId), titleWait).toHaveLength(1); // the title was asked for, and decided
    expect(await chatOf(userId, chatId)).toMatchObject({ title: "Mine", titleSource: TitleSource.USER });
  });

  it("loses to a rename that lands while it is being generated", async () => {
    const userId = aUser();
    // The title comes over half a second after the request: the rename lands while it is written.
    harness.simulator.when(titleRequestMarker, { deltas: ["Too late"], paceMs: 600 });
    const chatId = await send(userId, "Race me");
    await expect.poll(() => titleRequests(), titleWait).toHaveLength(1);
    await client.renameChat({ userId, chatId, title: "Renamed mid-flight" });
    expect(titleRequests()[0]?.endedAt).toBeNull(); // still being written when the rename landed

    await expect.poll(() => titleUsage(userId), titleWait).toHaveLength(1);
    expect(titleRequests()[0]).toMatchObject({ response: "reply", deltasWritten: 1, clientClosedAt: null });
    expect(await chatOf(userId, chatId)).toMatchObject({
      title: "Renamed mid-flight",
      titleSource: TitleSource.USER,
    });
  });

  it("is abandoned after its timeout: the chat keeps its title and nothing is counted", async () => {
    const userId = aUser();
    harness.simulator.when(titleRequestMarker, { fault: { kind: "hang" } });
    const chatId = await send(userId, "Hang on");
    await expect.poll(() => titleRequests(), titleWait).toHaveLength(1);
    await harness.simulator.clientClosed(titleRequests()[0], 5_000);
    expect(await chatOf(userId, chatId)).toMatchObject({
      title: "Hang on",
      titleSource: TitleSource.FIRST_MESSAGE,
    });
    expect(await titleUsage(userId)).toEqual([]);
  });

  it("is not asked for after an answer that did not complete, until one does", async () => {
    const userId = aUser();
    harness.simulator.script({ fault: { kind: "status", status: 500, times: 3 } });
    const failed = await collectReply(client.sendMessage({ userId, text: "First try" }));
    expect(failed.finished?.status).toBe(ReplyStatus.FAILED);
    expect(titleRequests()).toHaveLength(0);

    harness.simulator.when(titleRequestMarker, { text: "Second time lucky" });
    await send(userId, "Second try", failed.started!.chatId);
    await expect
      .poll(async () => (await chatOf(userId, failed.started!.chatId)).title, titleWait)
      .toBe("Second time lucky");
  });
});

describe("a chat from before titles were tracked", () => {
  it("keeps its title (its source is unknown: it may be the user's)", async () => {
    const userId = aUser();
    harness.simulator.script({ fault: { kind: "status", status: 500, times: 3 } });
    const failed = await collectReply(client.sendMessage({ userId, text: "Old chat" }));
    const chatId = failed.started!.chatId;
    await harness.database.pool.query("UPDATE chats SET title_source = NULL WHERE id = ?", [chatId]);
    harness.simulator.when(titleRequestMarker, { text: "Should not be used" });
    await send(userId, "Hello again", chatId);
    expect(titleRequests()).toEqual([]);
    expect(await chatOf(userId, chatId)).toMatchObject({
      title: "Old chat",
      titleSource: TitleSource.UNSPECIFIED,
    });
  });
});

describe("with titles off", () => {
  it("asks no title model and keeps the first message's title", async () => {
    const off = await startParley();
    try {
      const userId = aUser();
      const reply = await collectReply(off.client("grpc").sendMessage({ userId, text: "No title please" }));
      expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
      const chat = (await off.client("grpc").getChat({ userId, chatId: reply.started!.chatId })).chat;
      expect(chat).toMatchObject({ title: "No title please", titleSource: TitleSource.FIRST_MESSAGE });
      expect(off.simulator.requests.filter(isTitleRequest)).toEqual([]);
    } finally {
      await off.stop();
    }
  });
});
