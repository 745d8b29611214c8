import { afterEach, describe, expect, it, vi } from "vitest";
import type { ProgressSave } from "../chats/chat-repository.js";
import type { ReplyEvent } from "./reply-events.js";
import { defaultGatherMs } from "./reply-progress.js";
import {
  aUseCaseFixture,
  collect,
  silentLogger,
  finishedOf,
  startedOf,
  textOf,
} from "../../../test/support/use-case-fixture.js";

const user = "user-1";

/** Starts a reply held after `holdAfter` deltas; returns its ids and the sender's iterator. */
async function aHeldReply(fixture: ReturnType<typeof aUseCaseFixture>, deltas: string[], holdAfter: number) {
  fixture.model.enqueue({ deltas, holdAfter });
  const controller = new AbortController();
  const watch = await fixture.useCases.sendMessage({
    userId: user,
    text: "question",
    signal: controller.signal,
  });
  const iterator = watch[Symbol.asyncIterator]();
  const received: ReplyEvent[] = [];
  for (let i = 0; i <= holdAfter; i++) received.push((await iterator.next()).value as ReplyEvent);
  const started = received[0]!;
  if (started.type !== "started") throw new Error("expected started");
  return { ...started, iterator, received, signal: controller.signal, leave: () => controller.abort() };
}

/** Whether `promise` has settled, read synchronously (for "not yet" checks under fake timers). */
function watch(promise: Promise<unknown>) {
  const state = { settled: false };
  void promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe("watchReply", () => {
  it("attaches mid-reply from an offset: exactly the missing text, then the live rest", async () => {
    const fixture = aUseCaseFixture();
    const reply = await aHeldReply(fixture, ["Hello", " wide", " 🌍", " world"], 2);
    const watcher = await fixture.useCases.watchReply({
      userId: user,
      replyId: reply.replyId,
      fromOffset: 3,
    });
    const collecting = collect(watcher);
    for (let i = 0; i < 3; i++) fixture.model.release();
    const events = await collecting;
    expect(events[0]).toMatchObject({ type: "started", replyId: reply.replyId, context: null });
    expect(events.filter((e) => e.type === "delta")).toEqual([
      { type: "delta", text: "lo wide", offset: 3 },
      { type: "delta", text: " 🌍", offset: 10 },
      { type: "delta", text: " world", offset: 12 },
    ]);
    expect(finishedOf(events)).toMatchObject({ status: "complete", length: 18 });
  });

  it("replays a finished reply from storage", async () => {
    const fixture = aUseCaseFixture();
    const sent = await collect(await fixture.useCases.sendMessage({ userId: user, text: "hi" }));
    const replyId = startedOf(sent).replyId;
    const events = await collect(await fixture.useCases.watchReply({ userId: user, replyId, fromOffset: 6 }));
    expect(textOf(events)).toBe("there!");
    expect(finishedOf(events)).toMatchObject({ status: "complete", finishReason: "stop", length: 12 });
    await expect(
      fixture.useCases.watchReply({ userId: user, replyId, fromOffset: 13 }),
    ).resolves.toBeDefined();
    await expect(
      collect(await fixture.useCases.watchReply({ userId: user, replyId, fromOffset: 13 })),
    ).rejects.toMatchObject({
      code: "argument.invalid",
    });
  });

  it("is NOT_FOUND for another user's reply and for a user message id", async () => {
    const fixture = aUseCaseFixture();
    const sent = await collect(await fixture.useCases.sendMessage({ userId: user, text: "hi" }));
    const started = sent[0]!;
    if (started.type !== "started") throw new Error();
    await expect(
      fixture.useCases.watchReply({ userId: "other", replyId: started.replyId, fromOffset: 0 }),
    ).rejects.toMatchObject({
      code: "reply.not_found",
    });
    await expect(
      fixture.useCases.watchReply({ userId: user, replyId: started.userMessageId, fromOffset: 0 }),
    ).rejects.toMatchObject({ code: "reply.not_found" });
  });
});

describe("the reply job", () => {
  it("goes on when the sender leaves, and another watcher sees it finish", async () => {
    const fixture = aUseCaseFixture();
    const reply = await aHeldReply(fixture, ["a", "b", "c"], 1);
    reply.leave();
    await expect(reply.iterator.next()).rejects.toBe(reply.signal.reason);
    const watcher = collect(
      await fixture.useCases.watchReply({ userId: user, replyId: reply.replyId, fromOffset: 0 }),
    );
    for (let i = 0; i < 2; i++) fixture.model.release();
    const events = await watcher;
    expect(textOf(events)).toBe("abc");
    expect(fixture.repository.messages[1]).toMatchObject({ status: "complete", content: "abc" });
  });

  describe("timers (fake)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("ends as incomplete when nobody watches for the grace period, and aborts the model", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const fixture = aUseCaseFixture({ orphanGraceMs: 30_000 });
      const reply = await aHeldReply(fixture, ["a", "b", "c"], 1);
      const job = fixture.hub.reply(reply.replyId)!;
      const done = watch(job.done);
      reply.leave();

      await vi.advanceTimersByTimeAsync(29_999);
      expect(done.settled).toBe(false);
      expect(fixture.model.aborted).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      await job.done;
      expect(fixture.model.aborted).toBe(1);
      expect(fixture.repository.messages[1]).toMatchObject({
        status: "incomplete",
        content: "a",
        error: expect.stringMatching(/nobody was watching/),
      });
    });

    it("restarts the grace period when a watcher comes and goes", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const fixture = aUseCaseFixture({ orphanGraceMs: 30_000 });
      const reply = await aHeldReply(fixture, ["a", "b", "c"], 1);
      const job = fixture.hub.reply(reply.replyId)!;
      const done = watch(job.done);
      reply.leave();
      await vi.advanceTimersByTimeAsync(20_000);
      const visitor = new AbortController();
      const watcher = await fixture.useCases.watchReply({
        userId: user,
        replyId: reply.replyId,
        fromOffset: 1,
        signal: visitor.signal,
      });
      await vi.advanceTimersByTimeAsync(20_000); // 40 s after the sender left, but watched
      expect(done.settled).toBe(false);
      visitor.abort();
      await expect(collect(watcher)).rejects.toBe(visitor.signal.reason);

      await vi.advanceTimersByTimeAsync(29_999);
      expect(done.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await job.done).toMatchObject({ status: "incomplete" });
    });

    it("saves the prompt's tokens and the text so far soon after the start, then once per progress interval", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const fixture = aUseCaseFixture(); // progress every 20 ms
      const writes: ProgressSave[][] = [];
      const save = fixture.repository.saveRepliesProgress.bind(fixture.repository);
      fixture.repository.saveRepliesProgress = (owner, saves, now) => {
        writes.push([...saves]);
        return save(owner, saves, now);
      };
      const reply = await aHeldReply(fixture, ["saved", " later", " end"], 1);
      const promptTokens = reply.context!.tokensUsed;
      expect(fixture.repository.messages[1]).toMatchObject({ status: "streaming", content: "" });

      // The start asked for a save: it goes once the writer's gathering time is over, with the text so far.
      await vi.advanceTimersByTimeAsync(defaultGatherMs - 1);
      expect(writes).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(writes).toEqual([[{ replyId: reply.replyId, content: "saved", promptTokens }]]);
      expect(fixture.repository.messages[1]).toMatchObject({ status: "streaming", content: "saved" });

      fixture.model.release();
      await reply.iterator.next(); // " later": a new interval starts with it, then the gathering time
      await vi.advanceTimersByTimeAsync(20 + defaultGatherMs - 1);
      expect(writes).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(writes).toHaveLength(2);
      expect(fixture.repository.messages[1]).toMatchObject({ status: "streaming", content: "saved later" });

      fixture.model.release();
      const rest: ReplyEvent[] = [];
      for (let r = await reply.iterator.next(); !r.done; r = await reply.iterator.next()) rest.push(r.value);
      expect(finishedOf(rest)).toMatchObject({ status: "complete" });
      expect(fixture.repository.messages[1]).toMatchObject({
        status: "complete",
        content: "saved later end",
      });
    });

    it("on shutdown, lets replies finish within the grace period, then interrupts the rest", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const fixture = aUseCaseFixture();
      const finishing = await aHeldReply(fixture, ["done", " in time"], 1);
      const lingering = await aHeldReply(fixture, ["a", "b"], 1);
      const shutdown = fixture.hub.shutdown(30_000);
      const shutDown = watch(shutdown);
      await expect(fixture.useCases.sendMessage({ userId: user, text: "late" })).rejects.toMatchObject({
        code: "service.shutting_down",
      });

      await vi.advanceTimersByTimeAsync(10_000);
      fixture.model.release(); // the first reply's last delta (the queue serves the first held reply)
      const finished: ReplyEvent[] = [];
      for (let r = await finishing.iterator.next(); !r.done; r = await finishing.iterator.next())
        finished.push(r.value);
      expect(finishedOf(finished)).toMatchObject({ status: "complete" });

      await vi.advanceTimersByTimeAsync(19_999);
      expect(shutDown.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await shutdown;
      const rest: ReplyEvent[] = [];
      for (let r = await lingering.iterator.next(); !r.done; r = await lingering.iterator.next())
        rest.push(r.value);
      expect(finishedOf(rest)).toMatchObject({ status: "interrupted", errorCode: "service.shutting_down" });
      expect(fixture.repository.messages.map((m) => [m.role, m.status, m.content])).toEqual([
        ["user", "complete", "question"],
        ["assistant", "complete", "done in time"],
        ["user", "complete", "question"],
        ["assistant", "interrupted", "a"],
      ]);
      expect(fixture.hub.size).toBe(0);
    });
  });

  it("stops at once on StopReply, keeps the partial answer, and is idempotent", async () => {
    const fixture = aUseCaseFixture();
    const reply = await aHeldReply(fixture, ["keep", " this", " not this"], 2);
    await expect(fixture.useCases.stopReply({ userId: user, replyId: reply.replyId })).resolves.toBe(
      "stopped",
    );
    const rest: ReplyEvent[] = [];
    for (let r = await reply.iterator.next(); !r.done; r = await reply.iterator.next()) rest.push(r.value);
    expect(finishedOf(rest)).toMatchObject({ status: "stopped", errorCode: null, length: 9 });
    expect(fixture.repository.messages[1]).toMatchObject({ status: "stopped", content: "keep this" });
    await expect(fixture.useCases.stopReply({ userId: user, replyId: reply.replyId })).resolves.toBe(
      "stopped",
    );
    await expect(
      fixture.useCases.stopReply({ userId: "other", replyId: reply.replyId }),
    ).rejects.toMatchObject({
      code: "reply.not_found",
    });
  });

  it("deleting a chat stops its live reply first", async () => {
    const fixture = aUseCaseFixture();
    const reply = await aHeldReply(fixture, ["a", "b"], 1);
    await fixture.useCases.deleteChat({ userId: user, chatId: reply.chatId });
    expect(fixture.repository.messages).toHaveLength(0);
    expect(fixture.hub.size).toBe(0);
    await expect(
      fixture.useCases.getChat({ userId: user, chatId: reply.chatId, pageSize: 0, pageToken: "" }),
    ).rejects.toMatchObject({
      code: "chat.not_found",
    });
  });
});

describe("the final write", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is not mistaken for a lost lease by a progress save that lands after it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const fixture = aUseCaseFixture({ logger });
    const save = fixture.repository.saveRepliesProgress.bind(fixture.repository);
    const held: (() => void)[] = [];
    const saves: boolean[] = [];
    // Progress saves wait until released, then run: the outcome's write overtakes the one in flight.
    fixture.repository.saveRepliesProgress = (owner, batch, now) =>
      new Promise((resolve) =>
        held.push(() =>
          resolve(save(owner, batch, now).then((saved) => (saves.push(saved.size === batch.length), saved))),
        ),
      );
    const reply = await aHeldReply(fixture, ["a", "b", "c"], 1);
    // The progress interval and the writer's gathering time: a save of "a" starts, and waits.
    await vi.advanceTimersByTimeAsync(20 + defaultGatherMs);
    expect(held).toHaveLength(1);
    fixture.model.release(); // "b"
    fixture.model.release(); // "c", and the end
    const events = [...reply.received, ...(await collect({ [Symbol.asyncIterator]: () => reply.iterator }))];
    expect(finishedOf(events)).toMatchObject({ status: "complete" });

    held.shift()!();
    await expect.poll(() => saves).toEqual([false]); // it matched nothing: the row is no longer streaming
    await vi.advanceTimersByTimeAsync(1_000);
    expect(held).toHaveLength(0); // and no save started once the outcome was being written
    expect(warnings).toEqual([]);
    expect(await fixture.repository.findReply(user, reply.replyId)).toMatchObject({
      status: "complete",
      content: "abc",
    });
  });

  it("is retried with backoff until it lands; watchers hear the end at once, the chat stays held until then", async () => {
    vi.useFakeTimers();
    const fixture = aUseCaseFixture();
    const finishReply = fixture.repository.finishReply.bind(fixture.repository);
    let failures = 2;
    const attempts: number[] = [];
    fixture.repository.finishReply = (replyId, outcome) => {
      attempts.push(Date.now());
      if (failures-- > 0) return Promise.reject(new Error("database blip"));
      return finishReply(replyId, outcome);
    };
    fixture.model.enqueue({ deltas: ["All", " done"] });
    const events = await collect(await fixture.useCases.sendMessage({ userId: user, text: "q" }));
    expect(finishedOf(events)).toMatchObject({ status: "complete" });
    const { chatId, replyId } = startedOf(events);
    // The write failed once: the reply is still held in this process, and still `streaming` in storage.
    expect(attempts).toHaveLength(1);
    expect(fixture.hub.liveReplyOfChat(user, chatId)).toBeDefined();
    expect((await fixture.repository.findReply(user, replyId))?.status).toBe("streaming");

    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toHaveLength(2); // the wait doubles
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(3);
    expect(await fixture.repository.findReply(user, replyId)).toMatchObject({
      status: "complete",
      content: "All done",
    });
    expect(fixture.hub.liveReplyOfChat(user, chatId)).toBeUndefined();
  });

  it("a bug while ending a reply is logged; watchers hear a failure, the chat is let go, the process goes on", async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => errors.push(message) };
    const tokenCounter = {
      count: (text: string) => {
        if (text.includes("boom")) throw new Error("the tokenizer broke");
        return 1;
      },
    };
    const fixture = aUseCaseFixture({ logger, tokenCounter });
    fixture.model.enqueue({ deltas: ["a", " boom"] });
    const events = await collect(await fixture.useCases.sendMessage({ userId: user, text: "q" }));
    expect(textOf(events)).toBe("a boom");
    expect(finishedOf(events)).toMatchObject({
      status: "incomplete",
      errorCode: "storage.unavailable",
      length: 6,
    });
    const { chatId } = startedOf(events);
    await expect.poll(() => fixture.hub.liveReplyOfChat(user, chatId)).toBeUndefined();
    expect(fixture.hub.heldReplyIds()).toEqual([]);
    expect(errors).toEqual(["a reply could not be ended; its lease will run out and a sweeper will end it"]);
  });

  it("lets go after 16 failed attempts: the chat is released and its lease no longer renewed", async () => {
    vi.useFakeTimers();
    const fixture = aUseCaseFixture();
    let attempts = 0;
    fixture.repository.finishReply = () => {
      attempts++;
      return Promise.reject(new Error("this row cannot be written"));
    };
    fixture.model.enqueue({ deltas: ["x"] });
    const events = await collect(await fixture.useCases.sendMessage({ userId: user, text: "q" }));
    const { chatId, replyId } = startedOf(events);
    expect(fixture.hub.heldReplyIds()).toEqual([replyId]);
    // 100, 200, … 3 200 ms, then 5 000 ms apart: the 16th attempt comes 51.3 s after the first.
    await vi.advanceTimersByTimeAsync(51_299);
    expect(attempts).toBe(15);
    expect(fixture.hub.liveReplyOfChat(user, chatId)).toBeDefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toBe(16);
    expect(fixture.hub.liveReplyOfChat(user, chatId)).toBeUndefined();
    expect(fixture.hub.heldReplyIds()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toBe(16);
  });

  it("gives up at the end of shutdown, leaving the row to its lease and the sweepers", async () => {
    vi.useFakeTimers();
    const fixture = aUseCaseFixture();
    fixture.repository.finishReply = () => Promise.reject(new Error("database down"));
    const reply = await aHeldReply(fixture, ["a", "b"], 1);
    const shutdown = watch(fixture.hub.shutdown(0));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(shutdown.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(shutdown.settled).toBe(true);
    expect((await fixture.repository.findReply(user, reply.replyId))?.status).toBe("streaming");
  });
});
