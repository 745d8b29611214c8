import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "@parley/gen/grpc/health/v1/health_pb";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { createDatabase, type Database } from "../../src/adapters/mysql/database.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { startTcpProxy, type TcpProxy } from "@parley/test-support";

let harness: Harness;
let proxy: TcpProxy;
let throughProxy: Database;
let probe: Harness;

beforeAll(async () => {
  // The service reaches its database through a proxy the test can cut.
  probe = await startParley();
  const url = new URL(probe.database.url);
  proxy = await startTcpProxy(Number(url.port || 3306), url.hostname);
  url.port = String(proxy.port);
  throughProxy = await createDatabase(url.toString(), { connectTimeoutMs: 500, queryTimeoutMs: 1_000 });
  harness = await startParley({
    repository: createMysqlChatRepository(throughProxy, testUsageMeter),
    ready: () =>
      throughProxy.ping().then(
        () => true,
        () => false,
      ),
  });
  await probe.parley.shutdown(0);
  await probe.simulator.close();
});
afterAll(async () => {
  await harness?.stop();
  await throughProxy?.close();
  await proxy?.close();
  // The probe's database is the one the harness under test wrote to through the proxy.
  await probe?.database.drop();
});

describe("when the database is down", () => {
  it("calls fail fast with UNAVAILABLE, no model call is made, health says NOT_SERVING; all recover", async () => {
    const client = harness.client("grpc");
    const health = createClient(Health, harness.transport("grpc", null));
    harness.simulator.script({ text: "before" });
    for await (const _ of client.sendMessage({ userId: "outage", text: "hello" }));
    const requestsBefore = harness.simulator.requests.length;

    await proxy.cut();
    // It fails while the database is still cut off; a call that waited for it would hit the test timeout.
    const error = await (async () => {
      for await (const _ of client.sendMessage({ userId: "outage", text: "are you there?" }));
    })().catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    expect((error as ConnectError).rawMessage).not.toMatch(/select|insert|ECONNREFUSED|sql/i);
    await expect(client.listChats({ userId: "outage" })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(harness.simulator.requests.length).toBe(requestsBefore);
    await expect
      .poll(async () => (await health.check({ service: "" })).status, { timeout: 5_000 })
      .toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);

    await proxy.restore();
    await expect
      .poll(async () => (await health.check({ service: "" })).status, { timeout: 5_000 })
      .toBe(HealthCheckResponse_ServingStatus.SERVING);
    harness.simulator.script({ text: "after" });
    let text = "";
    for await (const { event } of client.sendMessage({ userId: "outage", text: "back?" })) {
      if (event?.kind.case === "delta") text += event.kind.value.text;
    }
    expect(text).toBe("after");
    expect((await client.listChats({ userId: "outage" })).chats).toHaveLength(2);
  });

  it("a reply whose final write meets the outage is stored once the database is back, never left streaming", async () => {
    const client = harness.client("grpc");
    const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
    harness.simulator.script({ deltas: words, paceMs: 10 });
    const stream = client.sendMessage({ userId: "blip", text: "write a while" })[Symbol.asyncIterator]();
    const first = await stream.next();
    const started = first.value?.event?.kind;
    if (started?.case !== "started") throw new Error("no started event");
    await proxy.cut();
    // The answer reaches its caller whole while its final write fails (and is retried).
    let text = "";
    let status: ReplyStatus | undefined;
    for (let next = await stream.next(); !next.done; next = await stream.next()) {
      const kind = next.value.event?.kind;
      if (kind?.case === "delta") text += kind.value.text;
      if (kind?.case === "finished") status = kind.value.status;
    }
    expect([text, status]).toEqual([words.join(""), ReplyStatus.COMPLETE]);

    await proxy.restore();
    const stored = async () => {
      const [rows] = await probe.database.pool.query("select status, content from messages where id = ?", [
        started.value.replyId,
      ]);
      return (rows as { status: string; content: string }[])[0];
    };
    await expect.poll(stored, { timeout: 10_000 }).toEqual({ status: "complete", content: words.join("") });
    harness.simulator.script({ text: "next" });
    let next = "";
    const chatId = started.value.chatId;
    for await (const { event } of client.sendMessage({ userId: "blip", chatId, text: "and now?" })) {
      if (event?.kind.case === "delta") next += event.kind.value.text;
    }
    expect(next).toBe("next");
  });
});
