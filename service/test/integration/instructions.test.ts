// Per-chat instructions end to end, over a real Connect client, MariaDB and the simulator: they replace
// the service's system prompt for their chat, are pinned at the start of every prompt however long the
// chat grows, are counted once and shown in the gauge, and are bounded with clear errors.
import { randomUUID } from "node:crypto";
import { Code, type ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ReplyStatus, TitleSource } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { lastPrompt, startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode, rowCounts } from "../support/rpc-probes.js";
import { testTokenCounter } from "../support/test-usage-meter.js";

const globalPrompt = "You are a test.";
const limits = { contextWindow: 1_000, maxOutputTokens: 200 };
// With that window, instructions may take min(4000, floor((1000 − 200 − 3 − 6) / 2)) = 395 tokens.
const maxInstructionTokens = 395;

let harness: Harness;
let client: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley({ settings: { limits, instructions: { maxBytes: 4_000, maxTokens: 4_000 } } });
  client = harness.client("connect-h2");
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

const aUser = () => `instructions-${randomUUID()}`;
const reasonOf = (error: ConnectError) => error.findDetails(ErrorInfoSchema)[0];

async function send(userId: string, text: string, extra: { chatId?: string; instructions?: string } = {}) {
  const reply = await collectReply(client.sendMessage({ userId, text, ...extra }));
  expect(reply.error).toBeUndefined();
  expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
  return reply;
}

describe("instructions given with a chat's first message", () => {
  it("replace the service's system prompt, are counted once and shown in the gauge", async () => {
    const userId = aUser();
    const instructions = "You are a pirate. Answer in one sentence.";
    const tokens = testTokenCounter.count(instructions);
    const reply = await send(userId, "Hello there", { instructions });

    expect(lastPrompt(harness)).toEqual([
      { role: "system", content: instructions },
      { role: "user", content: "Hello there" },
    ]);
    const context = reply.started!.context!;
    expect(context.systemPromptTokens).toBe(tokens);
    // system (tokens + 3) + the message (+ 3) + reply priming (3)
    expect(context.tokensUsed).toBe(tokens + 3 + testTokenCounter.count("Hello there") + 3 + 3);

    const { chat } = await client.getChat({ userId, chatId: reply.started!.chatId });
    expect(chat).toMatchObject({
      instructions,
      instructionsTokenCount: tokens,
      customInstructions: true,
      titleSource: TitleSource.FIRST_MESSAGE,
    });
    const stored = await harness.database.pool.query(
      "SELECT instructions_tokens AS n FROM chats WHERE id = ?",
      [chat!.id],
    );
    expect(stored[0]).toEqual([{ n: tokens }]);
  });

  it("empty: no system prompt at all", async () => {
    const userId = aUser();
    const reply = await send(userId, "Hi", { instructions: "" });
    expect(lastPrompt(harness)).toEqual([{ role: "user", content: "Hi" }]);
    expect(reply.started!.context!.systemPromptTokens).toBe(0);
    const { chat } = await client.getChat({ userId, chatId: reply.started!.chatId });
    expect(chat).toMatchObject({ instructions: "", instructionsTokenCount: 0, customInstructions: true });
  });

  it("absent: the service's default, as before", async () => {
    const userId = aUser();
    const reply = await send(userId, "Hi");
    expect(lastPrompt(harness)[0]).toEqual({ role: "system", content: globalPrompt });
    expect(reply.started!.context!.systemPromptTokens).toBe(testTokenCounter.count(globalPrompt));
    const { chat } = await client.getChat({ userId, chatId: reply.started!.chatId });
    expect(chat?.instructions).toBeUndefined();
    expect(chat).toMatchObject({
      customInstructions: false,
      instructionsTokenCount: testTokenCounter.count(globalPrompt),
    });
  });
});

describe("SetChatInstructions", () => {
  it("changes the next prompt's system prompt, and absent instructions go back to the default", async () => {
    const userId = aUser();
    const first = await send(userId, "One");
    const chatId = first.started!.chatId;

    const set = await client.setChatInstructions({ userId, chatId, instructions: "  Be brief.  " });
    expect(set.chat).toMatchObject({
      instructions: "Be brief.",
      customInstructions: true,
      instructionsTokenCount: testTokenCounter.count("Be brief."),
    });
    const second = await send(userId, "Two", { chatId });
    expect(lastPrompt(harness)[0]).toEqual({ role: "system", content: "Be brief." });
    expect(second.started!.context!.systemPromptTokens).toBe(testTokenCounter.count("Be brief."));

    const listed = await client.listChats({ userId });
    expect(listed.chats[0]).toMatchObject({ id: chatId, customInstructions: true });
    expect(listed.chats[0]!.instructions).toBeUndefined(); // lists leave the text out

    const cleared = await client.setChatInstructions({ userId, chatId });
    expect(cleared.chat?.customInstructions).toBe(false);
    expect(cleared.chat?.instructions).toBeUndefined();
    await send(userId, "Three", { chatId });
    expect(lastPrompt(harness)[0]).toEqual({ role: "system", content: globalPrompt });
  });

  it("is NOT_FOUND for another user's chat, which keeps its instructions", async () => {
    const owner = aUser();
    const reply = await send(owner, "Mine", { instructions: "Owner's." });
    const chatId = reply.started!.chatId;
    const error = await expectCode(
      client.setChatInstructions({ userId: aUser(), chatId, instructions: "Hijacked." }),
      Code.NotFound,
    );
    expect(reasonOf(error)?.reason).toBe("chat.not_found");
    expect((await client.getChat({ userId: owner, chatId })).chat?.instructions).toBe("Owner's.");
  });
});

describe("bounds", () => {
  it("refuses instructions over the byte cap, with the cap, writing nothing", async () => {
    const userId = aUser();
    const error = await expectCode(
      client.sendMessage({ userId, text: "Hi", instructions: "é".repeat(2_001) }),
      Code.InvalidArgument,
    );
    expect(reasonOf(error)).toMatchObject({
      reason: "instructions.too_long",
      metadata: { maxBytes: "4000" },
    });
    expect(error.rawMessage).toBe(
      "the instructions are 4002 bytes (UTF-8), more than the 4000 allowed; shorten them",
    );
    expect(await rowCounts(harness, userId)).toEqual({ chats: 0, messages: 0 });
  });

  it("refuses instructions over half of the window's room, at the bound", async () => {
    const userId = aUser();
    const first = await send(userId, "Hi");
    const chatId = first.started!.chatId;
    // "a" repeated with spaces: one token per " a".
    const atBound = `a${" a".repeat(maxInstructionTokens - 1)}`;
    expect(testTokenCounter.count(atBound)).toBe(maxInstructionTokens);
    const ok = await client.setChatInstructions({ userId, chatId, instructions: atBound });
    expect(ok.chat?.instructionsTokenCount).toBe(maxInstructionTokens);

    const error = await expectCode(
      client.setChatInstructions({ userId, chatId, instructions: `${atBound} a` }),
      Code.InvalidArgument,
    );
    expect(reasonOf(error)).toMatchObject({
      reason: "instructions.too_long",
      metadata: { tokens: String(maxInstructionTokens + 1), maxTokens: String(maxInstructionTokens) },
    });
    expect(error.rawMessage).toContain(
      `take ${maxInstructionTokens + 1} tokens, more than the ${maxInstructionTokens} allowed`,
    );
  });

  it("refuses instructions on SendMessage to an existing chat", async () => {
    const userId = aUser();
    const chatId = (await send(userId, "Hi")).started!.chatId;
    const error = await expectCode(
      client.sendMessage({ userId, chatId, text: "Again", instructions: "New ones" }),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toBe(
      "instructions are for a new chat only: use SetChatInstructions for this one",
    );
    expect(await rowCounts(harness, userId)).toEqual({ chats: 1, messages: 2 });
  });

  it("refuses a message that cannot fit beside the chat's instructions, and writes nothing", async () => {
    const userId = aUser();
    const instructions = `a${" a".repeat(maxInstructionTokens - 1)}`;
    const chatId = (await send(userId, "Hi", { instructions })).started!.chatId;
    const text = `b${" b".repeat(400)}`; // 401 tokens: fits alone, not beside 395
    const error = await expectCode(client.sendMessage({ userId, chatId, text }), Code.InvalidArgument);
    expect(reasonOf(error)?.reason).toBe("message.exceeds_context");
    expect(await rowCounts(harness, userId)).toEqual({ chats: 1, messages: 2 });
  });
});

describe("a long chat", () => {
  it("keeps its instructions first in every prompt while old messages are left out", async () => {
    const userId = aUser();
    const instructions = "Stay on topic: the sea.";
    const chatId = (await send(userId, "Start", { instructions })).started!.chatId;
    // Each message "<i> a a ..." is 151 tokens, each reply "reply <i>" 3. The budget is 1000 − 200 − 3
    // = 797; the instructions (7 + 3) and the new message (151 + 3) leave 633: newest first, replies cost
    // 6 and messages 154, so reply 4 … reply 1 fit (486) and message 1 (640) does not: 7 are sent.
    const longish = `a${" a".repeat(149)}`;
    let last;
    for (let i = 0; i < 6; i++) {
      harness.simulator.script({ text: `reply ${i}` });
      last = await send(userId, `${i} ${longish}`, { chatId });
    }
    const prompt = lastPrompt(harness);
    expect(prompt[0]).toEqual({ role: "system", content: instructions });
    expect(prompt.at(-1)?.content).toBe(`5 ${longish}`);
    // 12 stored messages precede the last one; the 5 not sent are reported left out.
    const historySent = prompt.length - 2;
    expect(historySent).toBe(7);
    expect(last!.started!.context!.messagesLeftOut).toBe(12 - historySent);
    expect(prompt.some((m) => m.content === "Start")).toBe(false);
    expect(last!.started!.context!.systemPromptTokens).toBe(testTokenCounter.count(instructions));
  });
});
