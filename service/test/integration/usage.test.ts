// Usage that can be trusted, end to end: every way a reply ends stores its usage — the provider's figure or
// our estimate, marked — with its cost; the daily aggregate equals the sum of its replies; GetUsage reports
// exactly that over gRPC and Connect, to its own user only.
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { ReplyStatus, type ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { UsageService, type UsageTotals } from "@parley/gen/parley/usage/v1/usage_pb";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { costMicros, modelPrice } from "../../src/application/model-catalog.js";
import { utcDay } from "../../src/domain/usage.js";
import type { Script } from "../../src/simulator/simulator.js";
import { aChat, aTurn, saveOneProgress } from "../support/chat-builders.js";
import { startParley, type Harness, type Protocol } from "../support/parley-harness.js";
import { collectReply, streamingReplies } from "../support/rpc-probes.js";
import { testTokenCounter } from "../support/test-usage-meter.js";

const model = "gpt-4o-mini";
const price = modelPrice(model);

let harness: Harness;
let client: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley({
    idleTimeoutMs: 300,
    maxRetries: 0,
    settings: { model },
    // A quick sweeper, for replies whose owner died.
    leases: { leaseMs: 1_000, renewEveryMs: 200, sweepEveryMs: 100 },
  });
  client = harness.client("grpc");
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());
afterEach(async () => {
  expect(await streamingReplies(harness)).toBe(0);
});

/** What the `messages` row of a reply stores about its usage. */
interface StoredUsage {
  status: string;
  content: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  source: string;
  costMicros: number;
}

async function storedUsage(replyId: string): Promise<StoredUsage> {
  const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
    `SELECT status, content, prompt_tokens, completion_tokens, total_tokens, usage_source, cost_micros
       FROM messages WHERE id = ?`,
    [replyId],
  );
  if (!row) throw new Error(`no reply ${replyId}`);
  return {
    status: row["status"] as string,
    content: row["content"] as string,
    promptTokens: row["prompt_tokens"] as number,
    completionTokens: row["completion_tokens"] as number,
    totalTokens: row["total_tokens"] as number,
    source: row["usage_source"] as string,
    costMicros: Number(row["cost_micros"]),
  };
}

/** Our estimate for a reply whose prompt was `promptTokens` and whose produced text is `text`. */
function estimate(promptTokens: number, text: string) {
  const completionTokens = testTokenCounter.count(text);
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    source: "estimate",
    costMicros: costMicros(price, promptTokens, completionTokens),
  };
}

let users = 0;
const aUser = () => `usage-${++users}-${randomUUID().slice(0, 8)}`;

/** Sends one message as `userId` with `script` as the upstream's answer; drains the reply. */
async function send(userId: string, script: Script, text = "Tell me something.") {
  harness.simulator.script(script);
  const reply = await collectReply(client.sendMessage({ userId, text }));
  return { reply, replyId: reply.started!.replyId, promptTokens: reply.started!.context!.tokensUsed };
}

const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);

describe("every reply stores its usage", () => {
  it("complete: the provider's figure, priced", async () => {
    const { reply, replyId } = await send(aUser(), { text: "Hello there, general Kenobi." });
    const usage = reply.finished!.usage!;
    expect(await storedUsage(replyId)).toEqual({
      status: "complete",
      content: "Hello there, general Kenobi.",
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.totalTokens,
      source: "provider",
      costMicros: costMicros(price, usage.promptTokens, usage.completionTokens),
    });
  });

  it("`length`: complete, cut at the output limit, with the provider's figure", async () => {
    const { reply, replyId } = await send(aUser(), { deltas: words(5), finishReason: "length" });
    expect(reply.finished).toMatchObject({ status: ReplyStatus.COMPLETE, finishReason: "length" });
    const usage = reply.finished!.usage!;
    expect(await storedUsage(replyId)).toMatchObject({
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      source: "provider",
    });
  });

  it.each([
    ["early", 1],
    ["late", 40],
  ])("stopped %s: our estimate on the fitted prompt and the text produced", async (_, afterDeltas) => {
    const userId = aUser();
    harness.simulator.script({ deltas: words(400), paceMs: 10 });
    const stream = client.sendMessage({ userId, text: "long" })[Symbol.asyncIterator]();
    const events: ReplyEvent["kind"][] = [];
    while (events.filter((e) => e.case === "delta").length < afterDeltas) {
      events.push((await stream.next()).value.event.kind);
    }
    const started = events[0]!.value as { replyId: string; context: { tokensUsed: number } };
    await client.stopReply({ userId, replyId: started.replyId });
    for (let next = await stream.next(); !next.done; next = await stream.next());

    const stored = await storedUsage(started.replyId);
    expect(stored.status).toBe("stopped");
    expect(stored.content.length).toBeGreaterThan(0);
    expect(stored).toEqual({
      status: "stopped",
      content: stored.content,
      ...estimate(started.context.tokensUsed, stored.content),
    });
  });

  it("failed after the first token (connection reset): incomplete, estimated", async () => {
    const { reply, replyId, promptTokens } = await send(aUser(), {
      deltas: words(6),
      fault: { kind: "reset", afterDeltas: 3 },
    });
    expect(reply.finished?.status).toBe(ReplyStatus.INCOMPLETE);
    expect(await storedUsage(replyId)).toEqual({
      status: "incomplete",
      content: " w0 w1 w2",
      ...estimate(promptTokens, " w0 w1 w2"),
    });
  });

  it("accepted but silent (stalled before any text): failed, and its prompt is billed", async () => {
    const { reply, replyId, promptTokens } = await send(aUser(), {
      deltas: words(3),
      fault: { kind: "stall", afterDeltas: 0 },
    });
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(await storedUsage(replyId)).toEqual({
      status: "failed",
      content: "",
      ...estimate(promptTokens, ""),
    });
  });

  it.each([
    ["401", { kind: "status", status: 401 }],
    ["400", { kind: "status", status: 400 }],
    ["503", { kind: "status", status: 503 }],
  ] as const)("refused before it was accepted (%s): failed, and it costs nothing", async (_, fault) => {
    const { reply, replyId } = await send(aUser(), { fault });
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(await storedUsage(replyId)).toEqual({
      status: "failed",
      content: "",
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      source: "estimate",
      costMicros: 0,
    });
  });

  it("interrupted (its owner died; this process's sweeper ends it): estimated on what the owner recorded", async () => {
    const userId = aUser();
    const chat = aChat({ userId, model, createdAt: new Date(), updatedAt: new Date() });
    // A lease nobody renews (its process died) that runs out only after the writes below landed: a
    // sweeper cannot end the reply between them.
    const dead = { owner: randomUUID(), expiresAt: new Date(Date.now() + 2_000) };
    // What a process that then died had done: the turn, its prompt's tokens, some saved text.
    const { reply } = await harness.repository.startTurn(aTurn(chat, { lease: dead, now: new Date() }));
    expect(
      await saveOneProgress(harness.repository, reply.id, dead.owner, "half an answer", new Date(), 42),
    ).toBe(true);

    await expect
      .poll(async () => (await storedUsage(reply.id)).status, { timeout: 10_000 })
      .toBe("interrupted");
    expect(await storedUsage(reply.id)).toEqual({
      status: "interrupted",
      content: "half an answer",
      ...estimate(42, "half an answer"),
    });
    // Its saved text now counts in the context window as what it is.
    const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT token_count FROM messages WHERE id = ?",
      [reply.id],
    );
    expect(row?.["token_count"]).toBe(testTokenCounter.count("half an answer"));
  });
});

describe("the daily aggregate", () => {
  it("equals the sum of its replies, for every user and day, exactly", async () => {
    const [replies] = await harness.database.pool.query<RowDataPacket[]>(
      `SELECT c.user_id, DATE_FORMAT(m.updated_at, '%Y-%m-%d') AS day,
              SUM(m.prompt_tokens) AS prompt, SUM(m.completion_tokens) AS completion, COUNT(*) AS replies,
              SUM(m.usage_source = 'estimate') AS estimated, SUM(m.cost_micros) AS cost,
              SUM(m.usage_source IS NULL) AS unmetered
         FROM messages m JOIN chats c ON c.id = m.chat_id
        WHERE m.role = 'assistant'
        GROUP BY c.user_id, day ORDER BY c.user_id, day`,
    );
    const [daily] = await harness.database.pool.query<RowDataPacket[]>(
      `SELECT user_id, DATE_FORMAT(day, '%Y-%m-%d') AS day, prompt_tokens AS prompt,
              completion_tokens AS completion, replies, estimated_replies AS estimated, cost_micros AS cost
         FROM usage_daily WHERE kind = 'reply' ORDER BY user_id, day`,
    );
    expect(replies.length).toBeGreaterThanOrEqual(9); // the replies of the tests above
    expect(replies.every((row) => Number(row["unmetered"]) === 0)).toBe(true);
    const figures = (row: RowDataPacket) =>
      ["user_id", "day", "prompt", "completion", "replies", "estimated", "cost"].map((key) =>
        key === "user_id" || key === "day" ? row[key] : Number(row[key]),
      );
    expect(daily.map(figures)).toEqual(replies.map(figures));
  });
});

describe("GetUsage", () => {
  const usageClient = (protocol: Protocol) => createClient(UsageService, harness.transport(protocol));
  const userId = aUser();
  let expected: { prompt: number; completion: number; cost: number };

  beforeAll(async () => {
    // A scripted conversation: two whole replies (the provider's figures) and one cut off (our estimate).
    const first = await send(userId, { text: "One two three." });
    harness.simulator.script({ text: "Four five six seven." });
    const second = await collectReply(
      client.sendMessage({ userId, chatId: first.reply.started!.chatId, text: "And then?" }),
    );
    const third = await send(userId, { deltas: words(4), fault: { kind: "reset", afterDeltas: 2 } });
    const a = first.reply.finished!.usage!;
    const b = second.finished!.usage!;
    const c = estimate(third.promptTokens, " w0 w1");
    expected = {
      prompt: a.promptTokens + b.promptTokens + c.promptTokens,
      completion: a.completionTokens + b.completionTokens + c.completionTokens,
      cost:
        costMicros(price, a.promptTokens, a.completionTokens) +
        costMicros(price, b.promptTokens, b.completionTokens) +
        c.costMicros,
    };
  });

  const totals = (prompt: number, completion: number, replies: number, estimated: number, cost: number) => ({
    promptTokens: BigInt(prompt),
    completionTokens: BigInt(completion),
    totalTokens: BigInt(prompt + completion),
    replies,
    estimatedReplies: estimated,
    costMicros: BigInt(cost),
    currencyCode: "USD",
  });
  const figures = (t: UsageTotals | undefined) => {
    const { $typeName: _, ...rest } = t!;
    return rest;
  };

  it.each(["grpc", "connect-h1"] as const)(
    "reports today, this month and 30 days exactly (%s)",
    async (protocol) => {
      const usage = await usageClient(protocol).getUsage({ userId });
      const today = totals(expected.prompt, expected.completion, 3, 1, expected.cost);
      expect(figures(usage.today)).toEqual(today);
      expect(figures(usage.thisMonth)).toEqual(today);
      expect(usage.days).toHaveLength(30);
      expect(usage.days.at(-1)?.date).toBe(utcDay(new Date()));
      expect(figures(usage.days.at(-1)?.totals)).toEqual(today);
      for (const day of usage.days.slice(0, -1)) expect(figures(day.totals)).toEqual(totals(0, 0, 0, 0, 0));
      // Limits are not enforced yet: all zero (none).
      expect(usage.limits).toMatchObject({
        dailyTokenLimit: 0n,
        monthlyTokenLimit: 0n,
        monthlyCostLimitMicros: 0n,
        currencyCode: "USD",
      });
    },
  );

  it("shows nobody another user's usage", async () => {
    const usage = await usageClient("grpc").getUsage({ userId: aUser() });
    expect(figures(usage.today)).toEqual(totals(0, 0, 0, 0, 0));
    expect(usage.days.every((day) => day.totals!.replies === 0)).toBe(true);
  });

  it("needs the token like every RPC", async () => {
    const anonymous = createClient(UsageService, harness.transport("grpc", null));
    await expect(anonymous.getUsage({ userId })).rejects.toMatchObject({ code: 16 }); // UNAUTHENTICATED
  });
});
