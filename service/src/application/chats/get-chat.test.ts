import { describe, expect, it } from "vitest";
import { aUseCaseFixture, collect, startedOf } from "../../../test/support/use-case-fixture.js";

const user = "user-1";
const limits = { contextWindow: 10_000, maxOutputTokens: 1_000, messagesLeftOut: 0 };

describe("getChat's context", () => {
  it("is absent until a reply reports usage", async () => {
    const { useCases, model } = aUseCaseFixture();
    model.enqueue({ deltas: ["cut"], noFinish: true });
    const chatId = startedOf(await collect(await useCases.sendMessage({ userId: user, text: "one" }))).chatId;
    const chat = await useCases.getChat({ userId: user, chatId, pageSize: 0, pageToken: "" });
    expect(chat.context).toBeNull();
  });

  it("reports the latest reply with usage, whichever page is read", async () => {
    const { useCases, model } = aUseCaseFixture();
    const chatId = startedOf(await collect(await useCases.sendMessage({ userId: user, text: "one" }))).chatId;
    model.enqueue({ deltas: ["cut"], noFinish: true }); // no usage: the earlier reply's still counts
    await collect(await useCases.sendMessage({ userId: user, chatId, text: "two" }));
    // The fixture's default system prompt ("Be brief.") takes 2 tokens: pinned, shown apart.
    const expected = { tokensUsed: 10, ...limits, systemPromptTokens: 2 };

    const whole = await useCases.getChat({ userId: user, chatId, pageSize: 0, pageToken: "" });
    expect(whole.messages.items).toHaveLength(4);
    expect(whole.context).toEqual(expected);
    const latest = await useCases.getChat({ userId: user, chatId, pageSize: 1, pageToken: "" });
    expect(latest.context).toEqual(expected);
    const older = await useCases.getChat({
      userId: user,
      chatId,
      pageSize: 1,
      pageToken: latest.messages.nextCursor!,
    });
    expect(older.messages.items[0]?.content).toBe("two");
    expect(older.context).toEqual(expected);
  });
});
