import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReplyStatus, type ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { startParley, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({ orphanGraceMs: 300 });
});
afterAll(() => harness?.stop());

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

/** Reads events until `until` says stop; returns them and the iterator to continue with. */
async function readUntil(
  stream: AsyncIterable<{ event?: ReplyEvent }>,
  until: (events: ReplyEvent["kind"][]) => boolean,
) {
  const iterator = stream[Symbol.asyncIterator]();
  const events: ReplyEvent["kind"][] = [];
  while (!until(events)) {
    const next = await iterator.next();
    if (next.done) break;
    events.push(next.value.event!.kind);
  }
  return { events, iterator };
}

async function drain(iterator: AsyncIterator<{ event?: ReplyEvent }>) {
  const events: ReplyEvent["kind"][] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next())
    events.push(next.value.event!.kind);
  return events;
}

const text = (events: ReplyEvent["kind"][]) =>
  events.map((e) => (e.case === "delta" ? e.value.text : "")).join("");
const deltaCount = (events: ReplyEvent["kind"][]) => events.filter((e) => e.case === "delta").length;
const startedOf = (events: ReplyEvent["kind"][]) => {
  const first = events[0];
  if (first?.case !== "started") throw new Error("no started event");
  return first.value;
};

describe("replies are server-side jobs", () => {
  it("WatchReply mid-reply from an offset gets exactly the missing text, then the live rest", async () => {
    const client = harness.client("grpc");
    const deltas = words(40);
    harness.simulator.script({ deltas, paceMs: 15 });
    const sender = await readUntil(
      client.sendMessage({ userId: "watcher", text: "count" }),
      (e) => deltaCount(e) >= 5,
    );
    const { replyId } = startedOf(sender.events);
    const offset = text(sender.events).length - 3; // resume inside the last delta received

    const watched = await drain(
      client.watchReply({ userId: "watcher", replyId, fromOffset: offset })[Symbol.asyncIterator](),
    );
    const senderRest = await drain(sender.iterator);
    expect(text(sender.events) + text(senderRest)).toBe(deltas.join(""));
    expect(text(sender.events).slice(0, offset) + text(watched)).toBe(deltas.join(""));
    expect(watched.find((e) => e.case === "delta")).toMatchObject({ value: { offset } });
    expect(watched.at(-1)).toMatchObject({ case: "finished", value: { status: ReplyStatus.COMPLETE } });
  });

  it("a caller leaving does not stop the reply; it finishes and replays from storage", async () => {
    const client = harness.client("connect-h2");
    const deltas = words(20);
    harness.simulator.script({ deltas, paceMs: 10 });
    const leaving = new AbortController();
    const sender = await readUntil(
      client.sendMessage({ userId: "leaver", text: "go" }, { signal: leaving.signal }),
      (e) => deltaCount(e) >= 2,
    );
    leaving.abort();
    const { replyId, chatId } = startedOf(sender.events);
    const replay = await drain(
      client.watchReply({ userId: "leaver", replyId, fromOffset: 0 })[Symbol.asyncIterator](),
    );
    expect(text(replay)).toBe(deltas.join(""));
    const stored = await client.getChat({ userId: "leaver", chatId });
    expect(stored.messages[1]).toMatchObject({ status: ReplyStatus.COMPLETE, content: deltas.join("") });
  });

  it("with no watcher for the grace period the reply is aborted upstream and saved incomplete", async () => {
    const client = harness.client("grpc");
    harness.simulator.script({ deltas: words(500), paceMs: 10 });
    const leaving = new AbortController();
    const sender = await readUntil(
      client.sendMessage({ userId: "orphan", text: "long" }, { signal: leaving.signal }),
      (e) => deltaCount(e) >= 3,
    );
    const request = harness.simulator.requests.at(-1)!;
    leaving.abort();
    const writtenWhenLeft = request.deltasWritten;
    await harness.simulator.clientClosed(request, 10_000);
    // The job went on during the grace period (timed exactly in reply-lifecycle.test.ts), then gave up.
    expect(request.deltasWritten).toBeGreaterThan(writtenWhenLeft);
    expect(request.deltasWritten).toBeLessThan(500);
    const { chatId } = startedOf(sender.events);
    await expect
      .poll(async () => (await client.getChat({ userId: "orphan", chatId })).messages[1]?.status)
      .toBe(ReplyStatus.INCOMPLETE);
    const reply = (await client.getChat({ userId: "orphan", chatId })).messages[1]!;
    expect(reply.content.length).toBeGreaterThan(0);
    expect(reply.error).toMatch(/nobody was watching/);
  });

  it("StopReply ends generation at once, closes the upstream socket and keeps the partial answer", async () => {
    const client = harness.client("grpc");
    harness.simulator.script({ deltas: words(500), paceMs: 10 });
    const sender = await readUntil(
      client.sendMessage({ userId: "stopper", text: "long" }),
      (e) => deltaCount(e) >= 3,
    );
    const { replyId, chatId } = startedOf(sender.events);
    const request = harness.simulator.requests.at(-1)!;
    const stop = await client.stopReply({ userId: "stopper", replyId });
    expect(stop.status).toBe(ReplyStatus.STOPPED);
    await harness.simulator.clientClosed(request, 10_000);

    const rest = await drain(sender.iterator);
    const finished = rest.at(-1)!;
    expect(finished).toMatchObject({ case: "finished", value: { status: ReplyStatus.STOPPED } });
    const received = text(sender.events) + text(rest);
    const stored = (await client.getChat({ userId: "stopper", chatId })).messages[1]!;
    expect(stored).toMatchObject({ status: ReplyStatus.STOPPED, content: received });
    expect(received.length).toBeLessThan(words(500).join("").length);
    expect((await client.stopReply({ userId: "stopper", replyId })).status).toBe(ReplyStatus.STOPPED);
  });

  it("a second SendMessage to a chat that is answering gets FAILED_PRECONDITION", async () => {
    const client = harness.client("grpc");
    harness.simulator.script({ deltas: words(100), paceMs: 10 });
    const first = await readUntil(
      client.sendMessage({ userId: "twice", text: "one" }),
      (e) => deltaCount(e) >= 1,
    );
    const { chatId, replyId } = startedOf(first.events);
    const second = client.sendMessage({ userId: "twice", chatId, text: "two" });
    const error = await drain(second[Symbol.asyncIterator]()).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toContain(replyId);
    await client.stopReply({ userId: "twice", replyId });
    await drain(first.iterator);
    const messages = (await client.getChat({ userId: "twice", chatId })).messages;
    expect(messages.map((m) => m.content).filter((c) => c === "two")).toHaveLength(0);
  });

  it("concurrent first sends to the same chat: exactly one wins", async () => {
    const client = harness.client("grpc");
    harness.simulator.script({ text: "first" });
    const chatId = startedOf(
      await drain(client.sendMessage({ userId: "racer", text: "start" })[Symbol.asyncIterator]()),
    ).chatId;
    harness.simulator.script({ deltas: words(30), paceMs: 10 }, { deltas: words(30), paceMs: 10 });
    const results = await Promise.allSettled(
      [1, 2, 3].map((n) =>
        drain(client.sendMessage({ userId: "racer", chatId, text: `race ${n}` })[Symbol.asyncIterator]()),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    for (const r of lost)
      expect(ConnectError.from((r as PromiseRejectedResult).reason).code).toBe(Code.FailedPrecondition);
    expect((await client.getChat({ userId: "racer", chatId })).messages).toHaveLength(4);
  });
});
