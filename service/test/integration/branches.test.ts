// Conversations that branch, end to end (real MariaDB, real HTTP/2, the real OpenAI SDK against the
// simulator): RegenerateReply and EditMessage stream like SendMessage on every protocol, the prompt is
// the path the new message continues, GetChat shows the active path with sibling fields, and
// SetActiveBranch switches paths for every client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { collect, startedOf, textOf } from "../support/reply-events.js";
import { lastPrompt, startParley, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley();
});
afterAll(() => harness?.stop());

const protocols = ["grpc", "connect-h2", "connect-h1", "grpc-web"] as const;

describe.each(protocols)("branches over %s", (protocol) => {
  it("regenerates an answer beside the old one, and edits a message into a new branch", async () => {
    const client = harness.client(protocol);
    const userId = `branches-${protocol}`;
    harness.simulator.script({ text: "first answer" });
    const first = startedOf(await collect(client.sendMessage({ userId, text: "question one" })));
    const chatId = first.chatId;
    harness.simulator.script({ text: "second answer" });
    const second = startedOf(await collect(client.sendMessage({ userId, chatId, text: "question two" })));

    harness.simulator.script({ text: "second answer, again" });
    const again = await collect(client.regenerateReply({ userId, chatId }));
    expect(textOf(again)).toBe("second answer, again");
    expect(startedOf(again).userMessageId).toBe(second.userMessageId);
    // The prompt is the path up to the answered message: nothing of the old answer.
    expect(lastPromptContents(harness)).toEqual(["question one", "first answer", "question two"]);

    let chat = await client.getChat({ userId, chatId });
    expect(chat.leafId).toBe(startedOf(again).replyId);
    expect(chat.messages.map((m) => m.content)).toEqual([
      "question one",
      "first answer",
      "question two",
      "second answer, again",
    ]);
    expect(chat.messages[3]).toMatchObject({
      siblingCount: 2,
      siblingIndex: 1,
      previousSiblingId: second.replyId,
      nextSiblingId: "",
      parentId: second.userMessageId,
    });

    harness.simulator.script({ text: "edited answer" });
    const edited = await collect(
      client.editMessage({ userId, chatId, messageId: first.userMessageId, text: "question one, edited" }),
    );
    expect(textOf(edited)).toBe("edited answer");
    expect(lastPromptContents(harness)).toEqual(["question one, edited"]);
    chat = await client.getChat({ userId, chatId });
    expect(chat.messages.map((m) => m.content)).toEqual(["question one, edited", "edited answer"]);
    expect(chat.messages[0]).toMatchObject({
      siblingCount: 2,
      siblingIndex: 1,
      previousSiblingId: first.userMessageId,
    });

    // Back to the first version: its newest leaf is the regenerated answer.
    const switched = await client.setActiveBranch({ userId, chatId, messageId: first.userMessageId });
    expect(switched.leafId).toBe(startedOf(again).replyId);
    chat = await client.getChat({ userId, chatId });
    expect(chat.messages.map((m) => m.content)).toEqual([
      "question one",
      "first answer",
      "question two",
      "second answer, again",
    ]);
    // The next message continues the branch shown.
    harness.simulator.script({ text: "third answer" });
    await collect(client.sendMessage({ userId, chatId, text: "question three" }));
    expect(lastPromptContents(harness)).toEqual([
      "question one",
      "first answer",
      "question two",
      "second answer, again",
      "question three",
    ]);
    // The older answer stays reachable by its leaf.
    const old = await client.getChat({ userId, chatId, leafId: second.replyId });
    expect(old.messages.map((m) => m.content).at(-1)).toBe("second answer");
  });

  it("refuses an edit of a reply, a message of another chat, and a regenerate while answering", async () => {
    const client = harness.client(protocol);
    const userId = `branches-refused-${protocol}`;
    harness.simulator.script({ text: "an answer" });
    const turn = startedOf(await collect(client.sendMessage({ userId, text: "hello" })));
    const other = startedOf(await collect(client.sendMessage({ userId, text: "elsewhere" })));

    await expect(
      collect(client.editMessage({ userId, chatId: turn.chatId, messageId: turn.replyId, text: "x" })),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: expect.stringContaining("is a reply"),
    });
    for (const call of [
      () =>
        collect(
          client.editMessage({ userId, chatId: turn.chatId, messageId: other.userMessageId, text: "x" }),
        ),
      () => collect(client.regenerateReply({ userId, chatId: turn.chatId, messageId: other.replyId })),
      () => client.setActiveBranch({ userId, chatId: turn.chatId, messageId: other.replyId }),
      () => client.getChat({ userId, chatId: turn.chatId, leafId: other.replyId }),
    ]) {
      const error = await call().then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.NotFound);
      expect(error?.rawMessage).toContain("not found in this chat");
    }
    await expect(
      client.setActiveBranch({ userId: "someone-else", chatId: turn.chatId, messageId: turn.replyId }),
    ).rejects.toMatchObject({ code: Code.NotFound, rawMessage: expect.stringContaining("chat") });

    harness.simulator.script({ text: "a slow answer in many words", paceMs: 50 });
    const sending = client.sendMessage({ userId, chatId: turn.chatId, text: "keep going" });
    const live = sending[Symbol.asyncIterator]();
    await live.next();
    await expect(collect(client.regenerateReply({ userId, chatId: turn.chatId }))).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    while (!(await live.next()).done);
  });
});

function lastPromptContents(h: Harness): string[] {
  return lastPrompt(h)
    .filter((m) => m.role !== "system")
    .map((m) => m.content);
}
