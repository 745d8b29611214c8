/**
 * Two processes, A and B, sharing one repository and one bus: what B can do with a reply A generates.
 * (The real thing — two service processes on MariaDB and Redis — is service/test/replicas.)
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ownerGoneError } from "../../domain/chat.js";
import { createReplyBusNetwork } from "../../../test/support/in-memory-reply-bus.js";
import { aUseCaseFixture, collect, finishedOf, textOf } from "../../../test/support/use-case-fixture.js";
import type { ReplyEvent } from "./reply-events.js";

const user = "user-1";

function twoProcesses(options: { orphanGraceMs?: number } = {}) {
  const network = createReplyBusNetwork();
  const a = aUseCaseFixture({ ...options, owner: "process-a", bus: network.bus() });
  const b = aUseCaseFixture({ ...options, owner: "process-b", bus: network.bus(), repository: a.repository });
  void a.hub.listen();
  void b.hub.listen();
  return { network, a, b };
}

/** Sends on A a reply held after `holdAfter` deltas; the sender keeps watching unless it leaves. */
async function aHeldReplyOnA(
  fixture: ReturnType<typeof twoProcesses>["a"],
  deltas: string[],
  holdAfter: number,
) {
  fixture.model.enqueue({ deltas, holdAfter });
  const sender = new AbortController();
  const events = await fixture.useCases.sendMessage({
    userId: user,
    text: "question",
    signal: sender.signal,
  });
  const iterator = events[Symbol.asyncIterator]();
  const received: ReplyEvent[] = [];
  for (let i = 0; i <= holdAfter; i++) received.push((await iterator.next()).value as ReplyEvent);
  const started = received[0]!;
  if (started.type !== "started") throw new Error("expected started");
  return { replyId: started.replyId, chatId: started.chatId, leave: () => sender.abort() };
}

const savedText = (fixture: ReturnType<typeof twoProcesses>["a"], replyId: string) =>
  fixture.repository.messages.find((message) => message.id === replyId)!.content;

describe("a reply generated on A, seen from B", () => {
  it("B follows it from any offset: the saved text, then the live rest, exactly, with no seam", async () => {
    const { a, b } = twoProcesses();
    const reply = await aHeldReplyOnA(a, ["Hello", " wide", " 🌍", " world", "!"], 3);
    await expect.poll(() => savedText(a, reply.replyId)).toBe("Hello wide 🌍"); // A's progress save
    const full = "Hello wide 🌍 world!";
    const followers = [0, 4, 11, 12].map(async (fromOffset) => ({
      fromOffset,
      events: await collect(
        await b.useCases.watchReply({ userId: user, replyId: reply.replyId, fromOffset }),
      ),
    }));
    await expect.poll(() => a.hub.reply(reply.replyId)).toBeDefined();
    a.model.release();
    a.model.release();
    for (const { fromOffset, events } of await Promise.all(followers)) {
      expect(events[0]).toMatchObject({ type: "started", replyId: reply.replyId, chatId: reply.chatId });
      expect(textOf(events)).toBe([...full].slice(fromOffset).join(""));
      expect(finishedOf(events)).toMatchObject({ status: "complete", length: 19 });
    }
  });

  it("B stops it: A aborts the model, the row is stopped with what was generated", async () => {
    const { a, b } = twoProcesses();
    const reply = await aHeldReplyOnA(a, ["one", " two", " three"], 1);
    expect(await b.useCases.stopReply({ userId: user, replyId: reply.replyId })).toBe("stopped");
    expect(a.model.aborted).toBe(1);
    expect(a.repository.messages.find((m) => m.id === reply.replyId)).toMatchObject({
      status: "stopped",
      content: "one",
    });
  });

  it("deleting the chat on B stops the reply at A before the chat goes", async () => {
    const { a, b } = twoProcesses();
    const reply = await aHeldReplyOnA(a, ["one", " two", " three"], 1);
    await b.useCases.deleteChat({ userId: user, chatId: reply.chatId });
    expect(a.model.aborted).toBe(1);
    expect(a.hub.reply(reply.replyId)).toBeUndefined();
    expect(a.repository.messages.filter((m) => m.chatId === reply.chatId)).toEqual([]);
  });

  it("when A is gone, a sweep ends the reply for B's watchers with the saved text", async () => {
    const { network, a, b } = twoProcesses();
    const reply = await aHeldReplyOnA(a, ["saved", " unsaved"], 1);
    await expect.poll(() => savedText(a, reply.replyId)).toBe("saved");
    const watching = collect(
      await b.useCases.watchReply({ userId: user, replyId: reply.replyId, fromOffset: 0 }),
    );
    // A "dies": it says nothing more; its lease runs out and B's sweeper ends the row.
    const swept = await a.repository.endExpiredLeases(new Date(Date.now() + 60_000));
    b.hub.sweptReplies(swept);
    const events = await watching;
    expect(textOf(events)).toBe("saved");
    expect(finishedOf(events)).toMatchObject({ status: "interrupted", length: 5, error: ownerGoneError });
    expect(network.told.map((t) => t.message.type)).toEqual(["watching", "unwatched"]);
  });

  it("a watch on B fails with hub.unavailable when the bus is cut, and resumes once it is back", async () => {
    const { network, a, b } = twoProcesses();
    const reply = await aHeldReplyOnA(a, ["first", " second"], 1);
    const watching = collect(
      await b.useCases.watchReply({ userId: user, replyId: reply.replyId, fromOffset: 0 }),
    );
    network.cut();
    await expect(watching).rejects.toMatchObject({ code: "hub.unavailable" });
    network.restore();
    const resumed = collect(
      await b.useCases.watchReply({ userId: user, replyId: reply.replyId, fromOffset: 5 }),
    );
    a.model.release();
    expect(textOf(await resumed)).toBe(" second");
  });

  describe("timers (fake)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("a watcher on B keeps A's reply alive past the orphan grace; when it leaves the grace starts", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
      const { a, b } = twoProcesses({ orphanGraceMs: 30_000 });
      const reply = await aHeldReplyOnA(a, ["a", "b", "c"], 1);
      const job = a.hub.reply(reply.replyId)!;
      const visitor = new AbortController();
      const watching = collect(
        await b.useCases.watchReply({
          userId: user,
          replyId: reply.replyId,
          fromOffset: 0,
          signal: visitor.signal,
        }),
      );
      reply.leave(); // the sender on A leaves: only B watches now
      await vi.advanceTimersByTimeAsync(120_000); // B's beats keep the watch from lapsing
      expect(a.model.aborted).toBe(0);
      visitor.abort();
      await expect(watching).rejects.toBe(visitor.signal.reason);
      await vi.advanceTimersByTimeAsync(29_999);
      expect(a.model.aborted).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(await job.done).toMatchObject({ status: "incomplete" });
    });

    it("a watch from a process that died lapses, and then the grace starts", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
      const { a } = twoProcesses({ orphanGraceMs: 30_000 });
      const reply = await aHeldReplyOnA(a, ["a", "b", "c"], 1);
      const job = a.hub.reply(reply.replyId)!;
      reply.leave();
      job.watchedElsewhere("process-that-dies", 6_000);
      await vi.advanceTimersByTimeAsync(6_000 + 29_999);
      expect(a.model.aborted).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(await job.done).toMatchObject({ status: "incomplete" });
    });
  });
});
