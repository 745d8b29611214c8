import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@parley/gen/grpc/health/v1/health_pb";
import { ChatService, ReplyStatus, type ReplyEvent } from "@parley/gen/parley/chat/v1/chat_pb";
import {
  bearerAuth,
  serviceMainScript,
  startServiceProcess,
  type ServiceProcess,
} from "@parley/test-support";
import { costMicros, modelPrice } from "../../src/application/model-catalog.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { testTokenCounter } from "../support/test-usage-meter.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

const token = "process-test-token";
const start = (extra: Record<string, string> = {}) =>
  startServiceProcess({
    env: {
      DATABASE_URL: database.url,
      AUTH_TOKEN: token,
      SIMULATOR_PACE_MS: "20",
      PROGRESS_INTERVAL_MS: "100",
      ...extra,
    },
  });

function clients(service: ServiceProcess) {
  const transport = createGrpcTransport({ baseUrl: service.baseUrl, interceptors: [bearerAuth(token)] });
  return { chat: createClient(ChatService, transport), health: createClient(Health, transport) };
}

/** Starts a reply on the service and returns once `deltas` deltas arrived. */
async function startReply(service: ServiceProcess, userId: string, deltas = 3) {
  const responses = clients(service).chat.sendMessage({ userId, text: "Tell me something long" });
  const stream = responses[Symbol.asyncIterator]();
  const events: ReplyEvent["kind"][] = [];
  while (events.filter((e) => e.case === "delta").length < deltas)
    events.push((await stream.next()).value.event.kind);
  const started = events[0]!;
  if (started.case !== "started") throw new Error("no started event");
  return { stream, events, ...started.value };
}

describe("the service process", () => {
  it("on SIGTERM: health NOT_SERVING, in-flight replies end UNAVAILABLE and are saved interrupted, exit 0", async () => {
    const service = await start({ SHUTDOWN_GRACE_MS: "300" });
    const { health } = clients(service);
    const watch = health.watch({ service: "" })[Symbol.asyncIterator]();
    expect((await watch.next()).value.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const reply = await startReply(service, "sigterm");

    service.child.kill("SIGTERM");
    expect((await watch.next()).value.status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    const rest: ReplyEvent["kind"][] = [];
    const error = await (async () => {
      for (let next = await reply.stream.next(); !next.done; next = await reply.stream.next())
        rest.push(next.value.event!.kind);
    })().catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    expect(rest.at(-1)).toMatchObject({ case: "finished", value: { status: ReplyStatus.INTERRUPTED } });
    expect(await service.exited).toBe(0);

    const [rows] = await database.pool.query("select status, content from messages where id = ?", [
      reply.replyId,
    ]);
    const row = (rows as { status: string; content: string }[])[0]!;
    expect(row.status).toBe("interrupted");
    const received = [...reply.events, ...rest].map((e) => (e.case === "delta" ? e.value.text : "")).join("");
    expect(row.content).toBe(received);
  });

  /** A reply's stored status and text. */
  async function stored(replyId: string) {
    const [rows] = await database.pool.query("select status, content from messages where id = ?", [replyId]);
    return (rows as { status: string; content: string }[])[0]!;
  }
  /** Short leases, so that tests see them run out. */
  const shortLeases = { REPLY_LEASE_MS: "1000", REPLY_LEASE_RENEW_MS: "200", REPLY_LEASE_SWEEP_MS: "200" };

  it("after a crash, the reply's lease runs out and a sweeper ends it interrupted, keeping saved progress", async () => {
    const first = await start(shortLeases);
    const reply = await startReply(first, "crash", 12);
    await expect.poll(async () => (await stored(reply.replyId)).content, { timeout: 5_000 }).not.toBe("");
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const saved = await stored(reply.replyId);
    expect(saved.status).toBe("streaming");

    const second = await start({ ...shortLeases, SHUTDOWN_GRACE_MS: "300" });
    await expect
      .poll(async () => (await stored(reply.replyId)).status, { timeout: 10_000 })
      .toBe("interrupted");
    // Billed though its owner died: our estimate — the prompt tokens the owner recorded at the start and
    // the tokens of the text it had saved — on the reply and in the user's day, by the sweeper.
    const promptTokens = reply.context!.tokensUsed;
    const completionTokens = testTokenCounter.count(saved.content);
    const cost = costMicros(modelPrice("gpt-4o-mini"), promptTokens, completionTokens);
    const [usage] = await database.pool.query(
      "select prompt_tokens, completion_tokens, usage_source, cost_micros from messages where id = ?",
      [reply.replyId],
    );
    expect(usage).toEqual([
      {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        usage_source: "estimate",
        cost_micros: cost,
      },
    ]);
    const [daily] = await database.pool.query(
      "select prompt_tokens, completion_tokens, replies, estimated_replies, cost_micros from usage_daily where user_id = 'crash'",
    );
    expect(daily).toEqual([
      {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        replies: 1,
        estimated_replies: 1,
        cost_micros: cost,
      },
    ]);
    const chat = await clients(second).chat.getChat({ userId: "crash", chatId: reply.chatId });
    expect(chat.messages[1]).toMatchObject({ status: ReplyStatus.INTERRUPTED, content: saved.content });
    // The chat is free again: a new message to it starts a reply.
    const again = clients(second).chat.sendMessage({ userId: "crash", chatId: reply.chatId, text: "again" });
    const opening = await again[Symbol.asyncIterator]().next();
    expect(opening.value?.event?.kind.case).toBe("started");
    // Never read further: a caller that stopped reading cannot hold up the shutdown either.
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("a second process started while the first is answering leaves that answer alone", async () => {
    const first = await start(shortLeases);
    const reply = await startReply(first, "replicas", 2);
    const second = await start(shortLeases);
    let text = reply.events.map((e) => (e.case === "delta" ? e.value.text : "")).join("");
    for (let next = await reply.stream.next(); !next.done; next = await reply.stream.next()) {
      const kind = next.value.event?.kind;
      if (kind?.case === "delta") text += kind.value.text;
      if (kind?.case === "finished") expect(kind.value.status).toBe(ReplyStatus.COMPLETE);
    }
    expect(await stored(reply.replyId)).toEqual({ status: "complete", content: text });
    expect(text.length).toBeGreaterThan(200); // long enough to outlive several lease renewals and sweeps
    for (const service of [first, second]) service.child.kill("SIGTERM");
    expect([await first.exited, await second.exited]).toEqual([0, 0]);
  });

  it("a process stopped past its lease is fenced off: its late writes cannot undo the sweeper's decision", async () => {
    const stopped = await start(shortLeases);
    const sweeper = await start(shortLeases);
    const reply = await startReply(stopped, "fenced", 3);
    await expect.poll(async () => (await stored(reply.replyId)).content, { timeout: 5_000 }).not.toBe("");
    stopped.child.kill("SIGSTOP");
    await expect
      .poll(async () => (await stored(reply.replyId)).status, { timeout: 10_000 })
      .toBe("interrupted");
    const decided = await stored(reply.replyId);
    stopped.child.kill("SIGCONT");
    // The woken process finds its writes refused and ends the reply itself, without storing anything.
    let finished: ReplyEvent["kind"] | undefined;
    for (let next = await reply.stream.next().catch(() => ({ done: true }) as const); !next.done;) {
      finished = next.value.event?.kind;
      next = await reply.stream.next().catch(() => ({ done: true }) as const);
    }
    expect(finished).toMatchObject({ case: "finished" });
    expect(await stored(reply.replyId)).toEqual(decided);
    for (const service of [stopped, sweeper]) service.child.kill("SIGTERM");
    expect([await stopped.exited, await sweeper.exited]).toEqual([0, 0]);
  });

  it("a stop signal right after the port is logged still shuts down cleanly", async () => {
    const service = await start();
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });

  it("a second SIGINT while the stop waits for a live reply exits at once (130), leaving it to its lease", async () => {
    const service = await start({ SHUTDOWN_GRACE_MS: "60000", SIMULATOR_PACE_MS: "200" });
    const reply = await startReply(service, "second-sigint", 1);
    service.child.kill("SIGINT");
    await expect.poll(() => service.output()).toContain("SIGINT received: shutting down");
    service.child.kill("SIGINT");
    expect(await service.exited).toBe(130);
    expect(service.output()).toContain("SIGINT again while shutting down: exiting now");
    // Not ended by this process: a sweeper ends it once its lease runs out, as after a crash.
    expect((await stored(reply.replyId)).status).toBe("streaming");
    await reply.stream.return?.().catch(() => undefined);
  });

  it("a stop signal while waiting for the database ends the wait: exit 0", async () => {
    const closedPort = await unusedPort();
    const child = spawn(process.execPath, [serviceMainScript], {
      cwd: tmpdir(), // no .env
      env: {
        PATH: process.env.PATH ?? "",
        PORT: "0",
        DATABASE_URL: `mysql://root@127.0.0.1:${closedPort}/x`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
    let output = "";
    for (const stream of [child.stdout, child.stderr])
      stream.setEncoding("utf8").on("data", (text: string) => (output += text));
    await expect.poll(() => output, { timeout: 10_000 }).toContain("waiting for the database");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("SIGTERM received while waiting for the database: stopped");
  });

  it("refuses to start with a bad setting, naming it", async () => {
    await expect(start({ PORT: "not-a-port", TEMPERATURE: "7" })).rejects.toThrow(
      /PORT[\s\S]*TEMPERATURE|TEMPERATURE[\s\S]*PORT/,
    );
  });
});

/** A local port nothing listens on. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
