import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import type { ReplyEvent } from "../replies/reply-events.js";
import {
  aUseCaseFixture,
  collect,
  finishedOf,
  startedOf,
  textOf,
} from "../../../test/support/use-case-fixture.js";

const user = "user-1";

/** A chat of 30 answered turns (60 stored messages) sent through the use cases; its id. */
async function aChatOf30Turns(useCases: ReturnType<typeof aUseCaseFixture>["useCases"]): Promise<string> {
  const { chatId } = startedOf(await collect(await useCases.sendMessage({ userId: user, text: "m0" })));
  for (let i = 1; i < 30; i++)
    await collect(await useCases.sendMessage({ userId: user, chatId, text: `m${i}` }));
  return chatId;
}

describe("sendMessage", () => {
  it("streams started, deltas with offsets, finished; stores both messages", async () => {
    const { useCases, repository, model } = aUseCaseFixture();
    model.enqueue({ deltas: ["Olá", " 😀", " mundo"] });
    const events = await collect(await useCases.sendMessage({ userId: user, text: "Hi there" }));

    expect(events[0]).toMatchObject({
      type: "started",
      model: "gpt-4o-mini",
      context: { messagesLeftOut: 0 },
    });
    expect(events.filter((e) => e.type === "delta")).toEqual([
      { type: "delta", text: "Olá", offset: 0 },
      { type: "delta", text: " 😀", offset: 3 },
      { type: "delta", text: " mundo", offset: 5 },
    ]);
    expect(finishedOf(events)).toMatchObject({
      status: "complete",
      finishReason: "stop",
      errorCode: null,
      length: 11,
    });
    const [userMessage, reply] = repository.messages;
    expect(userMessage).toMatchObject({ role: "user", content: "Hi there", tokenCount: 2, seq: 1 });
    expect(reply).toMatchObject({
      role: "assistant",
      content: "Olá 😀 mundo",
      status: "complete",
      seq: 2,
      tokenCount: 3,
    });
    expect(model.requests[0]!.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi there" },
    ]);
  });

  it("continues a chat with its history and reports what was left out", async () => {
    const { useCases, model } = aUseCaseFixture({
      settings: { limits: { contextWindow: 60, maxOutputTokens: 10 } },
    });
    const first = await collect(
      await useCases.sendMessage({ userId: user, text: "one two three four five six" }),
    );
    const chatId = startedOf(first).chatId;
    await collect(await useCases.sendMessage({ userId: user, chatId, text: "seven" }));
    const third = await collect(await useCases.sendMessage({ userId: user, chatId, text: "eight nine" }));
    // budget 60-10-3 = 47; fixed (2+3)+(2+3) = 10; history newest first: "Hello there!"(2+3), "seven"(1+3),
    // "Hello there!"(5), then the 6-word message (9) → 5+4+5+9 = 23 ≤ 37: all fit.
    expect(third[0]).toMatchObject({ context: { messagesLeftOut: 0 } });
    expect(model.requests[2]!.messages.map((m) => m.content)).toEqual([
      "Be brief.",
      "one two three four five six",
      "Hello there!",
      "seven",
      "Hello there!",
      "eight nine",
    ]);
  });

  it("drops the oldest messages when the window is full, reading only what it needs", async () => {
    const { useCases, model, repository } = aUseCaseFixture({
      settings: { limits: { contextWindow: 40, maxOutputTokens: 10 } },
    });
    let chatId: string | undefined;
    for (let i = 0; i < 20; i++) {
      const events = await collect(
        await useCases.sendMessage({ userId: user, chatId, text: `message ${i}` }),
      );
      chatId = startedOf(events).chatId;
    }
    repository.historyReads = 0;
    const last = await collect(await useCases.sendMessage({ userId: user, chatId, text: "final" }));
    // budget 40-10-3 = 27; fixed (2+3)+(1+3) = 9; each history message costs 2+3 = 5 → 3 fit, the 4th ends it.
    expect(model.requests.at(-1)!.messages.map((m) => m.content)).toEqual([
      "Be brief.",
      "Hello there!",
      "message 19",
      "Hello there!",
      "final",
    ]);
    expect(last[0]).toMatchObject({ context: { messagesLeftOut: 40 - 3 } });
    // The turn's own read brought the newest 50 messages back: no further page was needed.
    expect(repository.historyReads).toBe(0);
  });

  it("reads older pages only when the window reaches past the turn's own read", async () => {
    const { useCases, model, repository } = aUseCaseFixture();
    const chatId = await aChatOf30Turns(useCases);
    repository.historyReads = 0;
    const last = await collect(await useCases.sendMessage({ userId: user, chatId, text: "final" }));
    // 60 stored messages: the turn read the newest 50, the window takes all, so the 10 oldest are read.
    expect(repository.historyReads).toBe(10);
    expect(model.requests.at(-1)!.messages).toHaveLength(1 + 60 + 1);
    expect(model.requests.at(-1)!.messages[1]).toEqual({ role: "user", content: "m0" });
    expect(last[0]).toMatchObject({ context: { messagesLeftOut: 0 } });
  });

  it.each([
    [{ text: "   \n" }, "message.empty"],
    [{ text: "x".repeat(1001) }, "message.too_long"],
    [{ text: "é".repeat(501) }, "message.too_long"],
    [{ text: "hi", chatId: "not-a-uuid" }, "argument.invalid"],
    [{ text: "hi", userId: "" }, "argument.invalid"],
    [{ text: "hi", userId: "user-1 " }, "argument.invalid"],
    [{ text: "hi", userId: "u".repeat(192) }, "argument.invalid"],
    [{ text: "hi", chatId: "0190f5b2-7f00-7000-8000-000000000000" }, "chat.not_found"],
    [{ text: "word ".repeat(200) }, "message.exceeds_context"],
  ])("refuses %j with %s and writes nothing", async (input, code) => {
    const { useCases, repository, model } = aUseCaseFixture({
      settings: { limits: { contextWindow: 150, maxOutputTokens: 10 } },
    });
    await expect(useCases.sendMessage({ userId: user, ...input })).rejects.toMatchObject({ code });
    expect(repository.messages).toHaveLength(0);
    expect(model.requests).toHaveLength(0);
  });

  it("treats another user's chat exactly like a missing one", async () => {
    const { useCases } = aUseCaseFixture();
    const events = await collect(await useCases.sendMessage({ userId: user, text: "mine" }));
    const chatId = startedOf(events).chatId;
    const error = await useCases
      .sendMessage({ userId: "intruder", chatId, text: "hi" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "chat.not_found", message: `chat ${chatId} not found` });
  });

  it("refuses a second message while the chat is still answering", async () => {
    const { useCases, model } = aUseCaseFixture();
    model.enqueue({ deltas: ["a", "b", "c"], holdAfter: 1 });
    const watch = await useCases.sendMessage({ userId: user, text: "first" });
    const iterator = watch[Symbol.asyncIterator]();
    const chatId = startedOf([(await iterator.next()).value as ReplyEvent]).chatId;
    await expect(useCases.sendMessage({ userId: user, chatId, text: "second" })).rejects.toMatchObject({
      code: "reply.in_progress",
    });
    model.release();
    model.release();
    model.release();
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) model.release();
  });

  it("tells another user that a chat which is answering does not exist", async () => {
    const { useCases, model } = aUseCaseFixture();
    model.enqueue({ deltas: ["a", "b"], holdAfter: 1 });
    const watch = await useCases.sendMessage({ userId: user, text: "first" });
    const iterator = watch[Symbol.asyncIterator]();
    const chatId = startedOf([(await iterator.next()).value as ReplyEvent]).chatId;
    await expect(
      useCases.sendMessage({ userId: "intruder", chatId, text: "mine now" }),
    ).rejects.toMatchObject({ code: "chat.not_found" });
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) model.release();
  });

  it("ends a reply that failed before the first token as failed, with the upstream's code", async () => {
    const { useCases, repository, model } = aUseCaseFixture();
    model.enqueue({
      deltas: ["never"],
      fail: new DomainError("upstream.unavailable", "the model is unavailable"),
    });
    const events = await collect(await useCases.sendMessage({ userId: user, text: "hi" }));
    expect(finishedOf(events)).toMatchObject({
      status: "failed",
      errorCode: "upstream.unavailable",
      length: 0,
    });
    expect(repository.messages[1]).toMatchObject({
      status: "failed",
      error: "the model is unavailable",
      content: "",
    });
    expect(repository.messages[0]).toMatchObject({ role: "user", content: "hi" });
  });

  it("keeps a partial answer cut off mid-stream as incomplete", async () => {
    const { useCases, repository, model } = aUseCaseFixture();
    model.enqueue({
      deltas: ["par", "tial", "x"],
      fail: new DomainError("upstream.interrupted", "cut"),
      failAfter: 2,
    });
    const events = await collect(await useCases.sendMessage({ userId: user, text: "hi" }));
    expect(textOf(events)).toBe("partial");
    expect(finishedOf(events)).toMatchObject({ status: "incomplete", errorCode: "upstream.interrupted" });
    expect(repository.messages[1]).toMatchObject({ status: "incomplete", content: "partial" });
  });

  it("never reports a stream that ended without a finish reason as complete", async () => {
    const { useCases, repository, model } = aUseCaseFixture();
    model.enqueue({ deltas: ["half"], noFinish: true });
    const events = await collect(await useCases.sendMessage({ userId: user, text: "hi" }));
    expect(finishedOf(events)).toMatchObject({ status: "incomplete", errorCode: "upstream.interrupted" });
    expect(repository.messages[1]).toMatchObject({ status: "incomplete", content: "half" });
  });
});

describe("the model call, started while the turn commits", () => {
  it("a prompt that cannot be fitted after the commit ends the reply failed, and nothing is sent", async () => {
    const { useCases, model, repository } = aUseCaseFixture();
    const chatId = await aChatOf30Turns(useCases);
    const sent = model.requests.length;
    // 60 stored messages: the window wants the 10 the turn did not read, and that read fails.
    repository.pathNewestFirst = async function* () {
      yield* [];
      throw new Error("the history could not be read");
    };
    let replyId: string | undefined;
    const startTurn = repository.startTurn.bind(repository);
    repository.startTurn = async (turn) => {
      const started = await startTurn(turn);
      replyId = started.reply.id;
      return started;
    };

    await expect(useCases.sendMessage({ userId: user, chatId, text: "final" })).rejects.toThrow(
      "the history could not be read",
    );
    expect(model.requests).toHaveLength(sent);
    expect(await repository.findReply(user, replyId!)).toMatchObject({
      status: "failed",
      error: "the answer could not be started",
    });
  });

  it.each([false, true])("MODEL_CALL_AFTER_COMMIT=%s: the same request either way", async (afterCommit) => {
    const { useCases, model } = aUseCaseFixture({ settings: { modelCallAfterCommit: afterCommit } });
    const first = await collect(await useCases.sendMessage({ userId: user, text: "one two" }));
    const chatId = startedOf(first).chatId;
    await collect(await useCases.sendMessage({ userId: user, chatId, text: "three" }));
    expect(model.requests.at(-1)!.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "one two" },
      { role: "assistant", content: textOf(first) },
      { role: "user", content: "three" },
    ]);
  });
});

/** A stale read: the history as it was before its newest message was stored. */
