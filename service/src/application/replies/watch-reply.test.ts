import { describe, expect, it } from "vitest";
import { aChat, aTurn } from "../../../test/support/chat-builders.js";
import { aUseCaseFixture, collect, textOf } from "../../../test/support/use-case-fixture.js";

describe("watchReply", () => {
  it("waits for the job of a reply whose row this process committed a moment ago, then follows it", async () => {
    const { useCases, repository, hub, model } = aUseCaseFixture({ owner: "this-process" });
    // A turn committed by this process whose job has not started yet (the prompt is being fitted).
    const now = new Date();
    const chat = aChat({ userId: "user-1", createdAt: now, updatedAt: now });
    const turn = await repository.startTurn(aTurn(chat, { now, lease: hub.leaseFrom(now) }));

    model.enqueue({ deltas: ["late", " start"] });
    const started = {
      type: "started" as const,
      chatId: chat.id,
      userMessageId: turn.userMessage.id,
      replyId: turn.reply.id,
      model: "gpt-4o-mini",
      context: null,
    };
    // The job starts once the watch has read the row again after its first look: it did wait for it.
    const findReply = repository.findReply.bind(repository);
    let reads = 0;
    repository.findReply = async (...args) => {
      const row = await findReply(...args);
      if (++reads === 2) {
        const request = { model: "gpt-4o-mini", messages: [], maxOutputTokens: 10, temperature: 1 };
        hub.start("user-1", started, request);
      }
      return row;
    };

    const watching = useCases.watchReply({ userId: "user-1", replyId: turn.reply.id, fromOffset: 0 });
    const events = await collect(await watching);
    expect(textOf(events)).toBe("late start");
    expect(events.at(-1)).toMatchObject({ type: "finished", status: "complete" });
    expect(reads).toBe(2);
  });
});
