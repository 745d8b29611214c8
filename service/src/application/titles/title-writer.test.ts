import { describe, expect, it } from "vitest";
import { aFinished } from "../../../test/support/reply-event-fixtures.js";
import { createScriptedChatModel } from "../../../test/support/scripted-chat-model.js";
import { silentLogger, wordCounter } from "../../../test/support/use-case-fixture.js";
import { createUsageMeter } from "../usage/usage-meter.js";
import type { ReplyFinishedEvent } from "../replies/reply-events.js";
import type { GeneratedTitle } from "./title-store.js";
import { TitleWriter, type TitleOutcome, type TitleTurn } from "./title-writer.js";

const complete = aFinished(5);

function aWriter(maxConcurrent = 2, stores = () => true) {
  const model = createScriptedChatModel({ deltas: ["A", " title"], holdAfter: 0 });
  const saved: GeneratedTitle[] = [];
  const outcomes: TitleOutcome[] = [];
  const writer = new TitleWriter({
    model,
    store: {
      saveGeneratedTitle: async (title) => {
        saved.push(title);
        return stores();
      },
    },
    onOutcome: (outcome) => outcomes.push(outcome),
    meter: createUsageMeter(wordCounter),
    tokenCounter: wordCounter,
    clock: { now: () => new Date("2026-01-01T00:00:00Z") },
    logger: silentLogger,
    settings: { model: "small", timeoutMs: 60_000, maxConcurrent },
  });
  return { model, saved, writer, outcomes };
}

const turn = (chatId: string, overrides: Partial<TitleTurn> = {}): TitleTurn => ({
  userId: "u",
  chatId,
  seq: 1,
  chat: { titleSource: "first_message" },
  text: "Hello",
  model: "chat-model",
  ...overrides,
});

const answered = (finished: ReplyFinishedEvent = complete) => ({
  done: Promise.resolve(finished),
  answer: "Hi",
});

describe("TitleWriter", () => {
  it("asks the title model once per chat at a time, and at most maxConcurrent at once", async () => {
    const { model, saved, writer, outcomes } = aWriter(2);
    writer.write(turn("c1"), "Hi");
    writer.write(turn("c1"), "Hi"); // the same chat: already being titled
    writer.write(turn("c2"), "Hi");
    writer.write(turn("c3"), "Hi"); // over the bound: skipped
    expect(writer.size).toBe(2);
    expect(outcomes).toEqual(["skipped"]);
    for (let i = 0; i < 4; i++) model.release();
    await expect.poll(() => saved.map((s) => s.chatId).sort()).toEqual(["c1", "c2"]);
    expect(model.requests.map((r) => r.model)).toEqual(["small", "small"]);
    expect(saved[0]).toMatchObject({ title: "A title", userId: "u" });
    await expect.poll(() => writer.size).toBe(0);
    expect(outcomes).toEqual(["skipped", "written", "written"]);
  });

  it("reports a title the store did not take as kept, and one the store failed on as failed", async () => {
    let answer = false;
    const { model, writer, outcomes } = aWriter(2, () => {
      if (answer) throw new Error("the database is away");
      answer = true;
      return false;
    });
    writer.write(turn("kept"), "Hi");
    model.release(); // one per delta
    model.release();
    await expect.poll(() => outcomes).toEqual(["kept"]);
    writer.write(turn("broken"), "Hi");
    model.release();
    model.release();
    await expect.poll(() => outcomes).toEqual(["kept", "failed"]);
  });

  it("only names a chat after an answer that completed, while its title is the first message's, early on", async () => {
    const { model, writer } = aWriter();
    writer.afterAnswer(answered({ ...complete, status: "stopped" }), turn("stopped"));
    writer.afterAnswer(answered(), turn("renamed", { chat: { titleSource: "user" } }));
    writer.afterAnswer(answered(), turn("titled", { chat: { titleSource: "generated" } }));
    writer.afterAnswer(answered(), turn("legacy", { chat: { titleSource: null } }));
    writer.afterAnswer(answered(), turn("late", { seq: 7 }));
    writer.afterAnswer(answered(), turn("third-turn", { seq: 5 }));
    await expect.poll(() => writer.size).toBe(1);
    model.release();
    model.release();
    await expect.poll(() => writer.size).toBe(0);
    expect(model.requests).toHaveLength(1);
  });

  it("abandons requests in flight on close", async () => {
    const { model, saved, writer } = aWriter();
    writer.write(turn("c1"), "Hi");
    await writer.close();
    expect(model.aborted).toBe(1);
    expect(saved[0]).toMatchObject({ chatId: "c1", title: null });
    writer.write(turn("c2"), "Hi");
    expect(writer.size).toBe(0);
  });

  it("stops reading an answer that ignores the output cap, at titleAnswerCap characters", async () => {
    const { model, saved, writer } = aWriter();
    model.enqueue({ deltas: Array.from({ length: 10_000 }, () => "word ") });
    writer.write(turn("long"), "Hi");
    await expect.poll(() => saved.length).toBe(1);
    // 2 000 characters are 400 deltas of "word ": the estimate counts exactly those (no usage came).
    expect(saved[0]?.usage).toMatchObject({ completionTokens: 400, source: "estimate" });
    expect(saved[0]?.title?.startsWith("word word")).toBe(true);
  });
});
