/**
 * Two service processes, A and B, on one MariaDB database and one Redis (a key prefix of their own),
 * with one simulator as their upstream: what a user does on one replica with a reply the other one
 * generates. Real processes, real sockets, real Redis.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatService, ReplyStatus, type ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth, startTcpProxy, type ServiceProcess, type TcpProxy } from "@parley/test-support";
import { testRedisAddress, testRedisUrlViaPort } from "../support/redis.js";
import { useReplicaCluster } from "./replica-cluster.js";

const token = "replicas-test-token";
const cluster = useReplicaCluster({ AUTH_TOKEN: token, PROGRESS_INTERVAL_MS: "150" });
const replica = (extra: Record<string, string> = {}) => cluster.replica(extra);

const chatOn = (service: ServiceProcess) =>
  createClient(
    ChatService,
    createGrpcTransport({ baseUrl: service.baseUrl, interceptors: [bearerAuth(token)] }),
  );

type Kind = ReplyEvent["kind"];
const textOf = (events: Kind[]) => events.map((e) => (e.case === "delta" ? e.value.text : "")).join("");
const codePoints = (text: string) => [...text].length;
const from = (text: string, offset: number) => [...text].slice(offset).join("");

/** A long reply, paced so that it is still streaming while a test acts on it. */
function aLongReply(words = 200, paceMs = 25): string {
  const text = Array.from({ length: words }, (_, i) => `word${i} 🌍`).join(" ");
  cluster.simulator.script({ text, paceMs });
  return text;
}

/** Sends on `service` and reads until `deltas` deltas arrived; the rest can be read from `stream`. */
async function sendOn(
  service: ServiceProcess,
  userId: string,
  options: { chatId?: string; deltas?: number } = {},
) {
  const abort = new AbortController();
  const responses = chatOn(service).sendMessage(
    { userId, text: "Tell me something long", chatId: options.chatId ?? "" },
    { signal: abort.signal },
  );
  const stream = responses[Symbol.asyncIterator]();
  const events: Kind[] = [];
  while (events.filter((e) => e.case === "delta").length < (options.deltas ?? 3))
    events.push((await stream.next()).value.event!.kind);
  const first = events[0]!;
  if (first.case !== "started") throw new Error("no started event");
  const rest = async () => {
    for (let next = await stream.next(); !next.done; next = await stream.next())
      events.push(next.value.event!.kind);
    return events;
  };
  return { ...first.value, events, rest, leave: () => abort.abort() };
}

/** Reads a WatchReply stream to its end (or its error). */
/** Reads a WatchReply stream to its end (or its error); `first` resolves at its first event. */
function watchOn(
  service: ServiceProcess,
  userId: string,
  replyId: string,
  fromOffset: number,
  signal?: AbortSignal,
) {
  const events: Kind[] = [];
  let firstSeen = () => {};
  const first = new Promise<void>((resolve) => (firstSeen = resolve));
  const result = (async () => {
    const error = await (async () => {
      for await (const response of chatOn(service).watchReply({ userId, replyId, fromOffset }, { signal })) {
        events.push(response.event!.kind);
        firstSeen();
      }
    })().then(
      () => null,
      (e: unknown) => ConnectError.from(e),
    );
    firstSeen();
    return {
      events,
      error,
      text: textOf(events),
      finished: events.at(-1)?.case === "finished" ? events.at(-1) : undefined,
    };
  })();
  return Object.assign(result, { first });
}

async function stored(replyId: string) {
  const [rows] = await cluster.database.pool.query(
    "select status, content, owner from messages where id = ?",
    [replyId],
  );
  return (rows as { status: string; content: string; owner: string | null }[])[0]!;
}

// Each test starts two or three processes: on two busy cores that alone can take seconds.
vi.setConfig({ testTimeout: 60_000 });

describe("a reply generated on A, seen from B", () => {
  it("WatchReply on B from 0, before the saved point, between it and the live end, and at the end: exactly the missing text", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const full = aLongReply();
    const reply = await sendOn(a, "watch-user", { deltas: 10 });
    await expect.poll(async () => codePoints((await stored(reply.replyId)).content)).toBeGreaterThan(10);
    const saved = codePoints((await stored(reply.replyId)).content);
    const liveEnd = codePoints(textOf(reply.events));
    const offsets = [0, Math.floor(saved / 2), saved, liveEnd];
    const watches = offsets.map((offset) => watchOn(b, "watch-user", reply.replyId, offset));
    const sent = textOf(await reply.rest());
    expect(sent).toBe(full);
    for (const [i, watch] of (await Promise.all(watches)).entries()) {
      expect(watch.error).toBeNull();
      expect(watch.text).toBe(from(full, offsets[i]!));
      expect(watch.finished).toMatchObject({
        value: { status: ReplyStatus.COMPLETE, length: codePoints(full) },
      });
    }
    expect(await stored(reply.replyId)).toMatchObject({ status: "complete", content: full, owner: null });
  });

  it("StopReply on B closes A's upstream request; the row is stopped with the text the watchers saw", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    aLongReply();
    const reply = await sendOn(a, "stop-user");
    const request = cluster.simulator.requests.at(-1);
    const response = await chatOn(b).stopReply({ userId: "stop-user", replyId: reply.replyId });
    expect(response.status).toBe(ReplyStatus.STOPPED);
    await cluster.simulator.clientClosed(request, 2_000);
    const events = await reply.rest();
    expect(events.at(-1)).toMatchObject({ case: "finished", value: { status: ReplyStatus.STOPPED } });
    expect(await stored(reply.replyId)).toMatchObject({ status: "stopped", content: textOf(events) });
  });

  it("DeleteChat on B of a chat answering on A closes A's upstream request", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    aLongReply();
    const reply = await sendOn(a, "delete-user");
    const request = cluster.simulator.requests.at(-1);
    await chatOn(b).deleteChat({ userId: "delete-user", chatId: reply.chatId });
    await cluster.simulator.clientClosed(request, 2_000);
    const [rows] = await cluster.database.pool.query("select count(*) as n from messages where chat_id = ?", [
      reply.chatId,
    ]);
    expect((rows as { n: number }[])[0]!.n).toBe(0);
  });

  it("concurrent sends to one chat through A and B: exactly one wins", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const first = await sendOn(a, "race-user", { deltas: 1 });
    await first.rest();
    aLongReply(30);
    aLongReply(30);
    const attempts = await Promise.allSettled([
      sendOn(a, "race-user", { chatId: first.chatId, deltas: 1 }),
      sendOn(b, "race-user", { chatId: first.chatId, deltas: 1 }),
    ]);
    const won = attempts.filter((attempt) => attempt.status === "fulfilled");
    const lost = attempts.filter((attempt) => attempt.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(ConnectError.from((lost[0] as PromiseRejectedResult).reason).code).toBe(Code.FailedPrecondition);
  });

  it("a watcher on B keeps A's reply alive past the orphan grace; when it leaves, the grace starts", async () => {
    const grace = { ORPHAN_GRACE_MS: "500" };
    const [a, b] = await Promise.all([replica(grace), replica(grace)]);
    // Lasts about 60 × 40 ms = 2.4 s: several graces.
    const full = aLongReply(60, 40);
    const reply = await sendOn(a, "orphan-user", { deltas: 1 });
    const visitor = watchOn(b, "orphan-user", reply.replyId, 0);
    await visitor.first;
    reply.leave();
    const watched = await visitor;
    expect(watched.text).toBe(full);
    expect(await stored(reply.replyId)).toMatchObject({ status: "complete", content: full });

    // The same, but the watcher on B leaves too: the reply is given up after the grace.
    aLongReply(400, 40);
    const next = await sendOn(a, "orphan-user", { chatId: reply.chatId, deltas: 1 });
    const leaving = new AbortController();
    const second = watchOn(b, "orphan-user", next.replyId, 0, leaving.signal);
    await second.first;
    next.leave();
    await expect.poll(async () => codePoints((await stored(next.replyId)).content)).toBeGreaterThan(20);
    leaving.abort();
    await second;
    await expect.poll(async () => (await stored(next.replyId)).status, { timeout: 5_000 }).toBe("incomplete");
  });
});

describe("replicas coming and going", () => {
  it("starting a second replica while the first answers changes nothing of the first reply", async () => {
    const a = await replica();
    // About 6 s of answer: longer than a replica takes to start, even on a busy machine.
    const full = aLongReply(300, 20);
    const reply = await sendOn(a, "second-start-user");
    const b = await replica();
    expect((await stored(reply.replyId)).status).toBe("streaming");
    await expect(sendOn(b, "second-start-user", { chatId: reply.chatId })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
    const events = await reply.rest();
    expect(textOf(events)).toBe(full);
    expect(await stored(reply.replyId)).toMatchObject({ status: "complete", content: full });
  });

  it("SIGKILL A mid-reply: B's sweeper ends it interrupted with the saved text, B's watcher hears it, the chat takes a new send on B", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    aLongReply(200);
    const reply = await sendOn(a, "kill-user", { deltas: 10 });
    await expect.poll(async () => (await stored(reply.replyId)).content.length).toBeGreaterThan(0);
    const watching = watchOn(b, "kill-user", reply.replyId, 0);
    await a.stop("SIGKILL");
    const watch = await watching;
    expect(watch.finished).toMatchObject({ value: { status: ReplyStatus.INTERRUPTED } });
    const row = await stored(reply.replyId);
    expect(row.status).toBe("interrupted");
    // The watcher saw at least what was saved; the end says how long the saved answer is.
    expect(watch.text.startsWith(row.content)).toBe(true);
    expect(watch.finished).toMatchObject({ value: { length: codePoints(row.content) } });
    const next = await sendOn(b, "kill-user", { chatId: reply.chatId, deltas: 1 });
    await next.rest();
  });

  it("SIGTERM A (a rolling restart): its reply ends as graceful shutdown says, and a client resumes it on B", async () => {
    const [a, b] = await Promise.all([replica({ SHUTDOWN_GRACE_MS: "200" }), replica()]);
    aLongReply(200);
    const reply = await sendOn(a, "restart-user", { deltas: 5 });
    await a.stop("SIGTERM");
    const seen = await reply.rest().catch(() => reply.events);
    const row = await stored(reply.replyId);
    expect(row).toMatchObject({ status: "interrupted", content: textOf(seen) });
    const resumed = await watchOn(b, "restart-user", reply.replyId, 0);
    expect(resumed.text).toBe(row.content);
    expect(resumed.finished).toMatchObject({ value: { status: ReplyStatus.INTERRUPTED } });
  });
});

describe("Redis faults", () => {
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it("Redis cut mid-reply: the local watcher goes on, the remote one gets UNAVAILABLE, then resumes with exactly the missing text", async () => {
    const { host, port } = testRedisAddress();
    proxy = await startTcpProxy(port, host);
    const viaProxy = { REDIS_URL: testRedisUrlViaPort(proxy.port) };
    const [a, b] = await Promise.all([replica(viaProxy), replica(viaProxy)]);
    const full = aLongReply(120);
    const reply = await sendOn(a, "cut-user", { deltas: 5 });
    const remote = watchOn(b, "cut-user", reply.replyId, 0);
    await expect.poll(() => codePoints(textOf(reply.events))).toBeGreaterThan(0);
    await proxy.cut();
    const cut = await remote;
    expect(cut.error?.code).toBe(Code.Unavailable);
    await proxy.restore();
    const resumeAt = codePoints(cut.text);
    let resumed: Awaited<ReturnType<typeof watchOn>> | undefined;
    // The attempt that succeeds reads on to the reply's end (~6 s at this pace, longer on a busy machine:
    // CI once saw it outlast a 10 s bound), and a poll's bound includes its attempts' time.
    await expect
      .poll(
        async () => (resumed = await watchOn(b, "cut-user", reply.replyId, resumeAt)).error?.code ?? null,
        { timeout: 30_000 },
      )
      .toBeNull();
    expect(cut.text + resumed!.text).toBe(full);
    expect(textOf(await reply.rest())).toBe(full); // the local watcher never noticed
    expect(await stored(reply.replyId)).toMatchObject({ status: "complete", content: full });
  });
});
