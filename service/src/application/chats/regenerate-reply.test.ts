import { describe, expect, it } from "vitest";
import { aUseCaseFixture, collect, startedOf } from "../../../test/support/use-case-fixture.js";

const user = "user-1";

describe("regenerateReply", () => {
  it("answers the named reply's message again, or the latest reply's by default", async () => {
    const { useCases, model } = aUseCaseFixture();
    model.enqueue(
      { deltas: ["one"] },
      { deltas: ["two"] },
      { deltas: ["two again"] },
      { deltas: ["one again"] },
    );
    const first = startedOf(await collect(await useCases.sendMessage({ userId: user, text: "q1" })));
    const { chatId } = first;
    const second = startedOf(await collect(await useCases.sendMessage({ userId: user, chatId, text: "q2" })));

    const latest = startedOf(await collect(await useCases.regenerateReply({ userId: user, chatId })));
    expect(latest.userMessageId).toBe(second.userMessageId);
    const named = await collect(
      await useCases.regenerateReply({ userId: user, chatId, messageId: first.replyId }),
    );
    expect(startedOf(named).userMessageId).toBe(first.userMessageId);
    // Answering the first message again leaves a path of two: its question and the new answer.
    expect(startedOf(named).context?.messagesLeftOut).toBe(0);
    const shown = await useCases.getChat({ userId: user, chatId, pageSize: 10, pageToken: "" });
    expect(shown.messages.items.map((m) => [m.content, m.siblings.count])).toEqual([
      ["q1", 1],
      ["one again", 2],
    ]);
  });

  it("refuses a reply that answers no message of the user's (an imported chat's first reply)", async () => {
    const { useCases, repository, model } = aUseCaseFixture();
    model.enqueue({ deltas: ["answer"] });
    const turn = startedOf(await collect(await useCases.sendMessage({ userId: user, text: "q" })));
    // As an import may store it: a reply that is a chat's first message.
    const reply = repository.messages.find((m) => m.id === turn.replyId)!;
    repository.messages.push({
      ...reply,
      id: "0190f5b2-7f00-7000-8000-0000000000aa",
      parentId: null,
      seq: 3,
      depth: 1,
    });
    await expect(
      useCases.regenerateReply({
        userId: user,
        chatId: turn.chatId,
        messageId: "0190f5b2-7f00-7000-8000-0000000000aa",
      }),
    ).rejects.toMatchObject({
      code: "argument.invalid",
      message: expect.stringContaining("nothing to write again"),
    });
    expect(model.requests).toHaveLength(1);
  });
});
