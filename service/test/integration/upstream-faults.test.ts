// Upstream faults seen through SendMessage over gRPC, with the simulator failing the way real upstreams
// fail and the real openai SDK in between. Each ends in the status chat.proto documents, the stored reply
// says the same, and no reply is left `streaming`.
import { performance } from "node:perf_hooks";
import { Code, createClient } from "@connectrpc/connect";
import { ReplyStatus, Role } from "@parley/gen/parley/chat/v1/chat_pb";
import { ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Script } from "../../src/simulator/simulator.js";
import { protocols, startParley, testToken, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode, streamingReplies } from "../support/rpc-probes.js";

const idleTimeoutMs = 300;
const apiKey = "sk-test-secret";

let harness: Harness;
let client: ReturnType<Harness["client"]>;
beforeAll(async () => {
  harness = await startParley({ idleTimeoutMs, maxRetries: 2 });
  client = harness.client("grpc");
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());
afterEach(async () => {
  expect(await streamingReplies(harness)).toBe(0);
});

let users = 0;
/** Sends one message under a fresh user with `script` as the upstream's answer; returns the outcome. */
async function send(script: Script, text = "Tell me something.") {
  const userId = `faults-${++users}`;
  harness.simulator.script(script);
  const reply = await collectReply(client.sendMessage({ userId, text }));
  expect(reply.started, "the stream began with `started`").toBeDefined();
  expect(reply.kinds[0]).toBe("started");
  expect(reply.kinds.at(-1)).toBe("finished");
  const { messages } = await client.getChat({ userId, chatId: reply.started!.chatId });
  expect(messages).toHaveLength(2);
  const [user, stored] = messages;
  expect([user!.role, user!.content, user!.status]).toEqual([Role.USER, text, ReplyStatus.COMPLETE]);
  expect(stored!.id).toBe(reply.started!.replyId);
  return { reply, stored: stored!, requests: harness.simulator.requests };
}

const words = ["Once", " upon", " a", " time", " there", " was", " a", " stream."];

describe("before the first token", () => {
  it("429 with retry-after, then OK: retried once, the client sees only deltas, the reply is whole", async () => {
    const started = performance.now();
    const { reply, stored, requests } = await send({
      deltas: words,
      fault: { kind: "status", status: 429, retryAfter: 1 },
    });
    expect(reply.error).toBeUndefined();
    expect(reply.kinds).toEqual(["started", ...words.map(() => "delta"), "finished"]);
    expect(reply.deltas.map((d) => d.text)).toEqual(words);
    expect(reply.finished).toMatchObject({ status: ReplyStatus.COMPLETE, finishReason: "stop", error: "" });
    expect(requests.map((r) => r.response)).toEqual(["status 429", "reply"]);
    expect(requests[1]!.headers["x-stainless-retry-count"]).toBe("1");
    expect(performance.now() - started).toBeGreaterThanOrEqual(950); // retry-after: 1 (second) was honoured
    expect([stored.status, stored.content, stored.finishReason]).toEqual([
      ReplyStatus.COMPLETE,
      words.join(""),
      "stop",
    ]);
  });

  it("500 three times (maxRetries 2): `finished` FAILED, then UNAVAILABLE; the reply is stored failed", async () => {
    const { reply, stored, requests } = await send({
      fault: { kind: "status", status: 500, times: 3, retryAfterMs: 10 },
    });
    expect(reply.kinds).toEqual(["started", "finished"]);
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(reply.finished?.error).toMatch(/unavailable.*try again/);
    expect(reply.error?.code).toBe(Code.Unavailable);
    expect(reply.error?.rawMessage).toBe(reply.finished?.error);
    expect(requests.map((r) => r.response)).toEqual(["status 500", "status 500", "status 500"]);
    expect(stored.status).toBe(ReplyStatus.FAILED);
    expect(stored.content).toBe("");
    expect(stored.error).toBe(reply.finished?.error);
    expect(stored.error).not.toMatch(/simulated|server_error|Sorry/); // our words, not the upstream's body
  });

  it("401: INTERNAL, not retried, and neither the API key nor the upstream's body reaches the client", async () => {
    const { reply, stored, requests } = await send({ fault: { kind: "status", status: 401 } });
    expect(reply.kinds).toEqual(["started", "finished"]);
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(reply.error?.code).toBe(Code.Internal);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`); // the key did go upstream
    const seen = JSON.stringify(
      {
        message: reply.error?.rawMessage,
        metadata: [...(reply.error?.metadata.entries() ?? [])],
        details: reply.error?.details,
        finished: reply.finished,
        stored,
      },
      (_, value: unknown) => (typeof value === "bigint" ? String(value) : value),
    );
    expect(seen).not.toContain(apiKey);
    expect(seen).not.toMatch(/Incorrect API key|invalid_api_key/);
    expect(reply.error?.rawMessage).toMatch(/operator/);
    expect(stored.status).toBe(ReplyStatus.FAILED);
    expect(stored.content).toBe("");
  });

  it("400 context_length_exceeded: INVALID_ARGUMENT, not retried", async () => {
    const { reply, stored, requests } = await send({
      fault: { kind: "status", status: 400, code: "context_length_exceeded" },
    });
    expect(reply.kinds).toEqual(["started", "finished"]);
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(reply.error?.code).toBe(Code.InvalidArgument);
    expect(reply.error?.rawMessage).toMatch(/too long for the model/);
    expect(reply.error?.rawMessage).not.toMatch(/131072|maximum context length/); // not the upstream's text
    expect(requests).toHaveLength(1);
    expect([stored.status, stored.content]).toEqual([ReplyStatus.FAILED, ""]);
  });
});

describe("after the stream began: the partial answer is kept, the call ends UNAVAILABLE", () => {
  /** The shape every cut-off answer has: N deltas, `finished` INCOMPLETE, UNAVAILABLE, partial text stored once. */
  function expectCutOff(outcome: Awaited<ReturnType<typeof send>>, deltasSent: number) {
    const { reply, stored, requests } = outcome;
    const partial = words.slice(0, deltasSent).join("");
    expect(reply.deltas.map((d) => d.text)).toEqual(words.slice(0, deltasSent));
    expect(reply.kinds).toEqual(["started", ...words.slice(0, deltasSent).map(() => "delta"), "finished"]);
    expect(reply.finished).toMatchObject({ status: ReplyStatus.INCOMPLETE, length: [...partial].length });
    expect(reply.finished?.error).not.toBe("");
    expect(reply.error?.code).toBe(Code.Unavailable);
    expect(requests).toHaveLength(1); // never retried after the first token: no duplicated text
    expect(stored.status).toBe(ReplyStatus.INCOMPLETE);
    expect(stored.content).toBe(partial);
    expect(stored.error).toBe(reply.finished?.error);
  }

  it("a stall after 3 deltas ends within about the idle timeout", async () => {
    const outcome = await send({ deltas: words, paceMs: 5, fault: { kind: "stall", afterDeltas: 3 } });
    expectCutOff(outcome, 3);
    const silence = outcome.reply.endedAt - outcome.reply.deltaTimes.at(-1)!;
    expect(silence).toBeGreaterThanOrEqual(idleTimeoutMs - 20);
    expect(silence).toBeLessThan(idleTimeoutMs + 700);
    expect(outcome.reply.finished?.error).toMatch(/stopped responding/);
    // The upstream connection is closed, not left hanging.
    await harness.simulator.clientClosed(outcome.requests[0], 1000);
  });

  it("a connection reset after 3 deltas", async () => {
    expectCutOff(await send({ deltas: words, paceMs: 5, fault: { kind: "reset", afterDeltas: 3 } }), 3);
  });

  it("a malformed chunk after 3 deltas", async () => {
    expectCutOff(await send({ deltas: words, paceMs: 5, fault: { kind: "malformed", afterDeltas: 3 } }), 3);
  });

  it("the body ends after every delta without a finish reason or [DONE]: never COMPLETE", async () => {
    expectCutOff(await send({ deltas: words, paceMs: 5, fault: { kind: "no-done" } }), words.length);
  });

  it("the body ends before any delta: FAILED, UNAVAILABLE, nothing stored as text", async () => {
    const { reply, stored } = await send({ deltas: words, fault: { kind: "no-done", afterDeltas: 0 } });
    expect(reply.kinds).toEqual(["started", "finished"]);
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(reply.error?.code).toBe(Code.Unavailable);
    expect([stored.status, stored.content]).toEqual([ReplyStatus.FAILED, ""]);
  });

  it("a stall before any delta: FAILED after the idle timeout, UNAVAILABLE", async () => {
    const { reply, stored } = await send({ deltas: words, fault: { kind: "stall", afterDeltas: 0 } });
    expect(reply.finished?.status).toBe(ReplyStatus.FAILED);
    expect(reply.error?.code).toBe(Code.Unavailable);
    expect([stored.status, stored.content]).toEqual([ReplyStatus.FAILED, ""]);
  });
});

describe("finish_reason", () => {
  it('"length" is COMPLETE with finishReason "length", and the call ends OK', async () => {
    const { reply, stored } = await send({ deltas: words, finishReason: "length" });
    expect(reply.error).toBeUndefined();
    expect(reply.text).toBe(words.join(""));
    expect(reply.finished).toMatchObject({ status: ReplyStatus.COMPLETE, finishReason: "length", error: "" });
    expect([stored.status, stored.finishReason, stored.content]).toEqual([
      ReplyStatus.COMPLETE,
      "length",
      words.join(""),
    ]);
  });
});

describe.each(protocols)("a cut-off answer over %s", (protocol) => {
  it("still sends `finished` INCOMPLETE and then fails UNAVAILABLE", async () => {
    harness.simulator.script({ deltas: words, paceMs: 5, fault: { kind: "reset", afterDeltas: 2 } });
    const reply = await collectReply(
      harness.client(protocol).sendMessage({ userId: `cut-${protocol}`, text: "go" }),
    );
    expect(reply.text).toBe(words.slice(0, 2).join(""));
    expect(reply.finished?.status).toBe(ReplyStatus.INCOMPLETE);
    expect(reply.error?.code).toBe(Code.Unavailable);
  });
});

describe("the original clients meet the same faults", () => {
  it("legacy ChatStream: the text so far, then UNAVAILABLE", async () => {
    harness.simulator.script({ deltas: words, paceMs: 5, fault: { kind: "reset", afterDeltas: 3 } });
    const legacy = createClient(LegacyChatService, harness.transport("grpc"));
    const contents: string[] = [];
    await expectCode(async () => {
      for await (const response of legacy.chatStream({ userId: "legacy-faults", userMessage: "go" })) {
        contents.push(response.content);
      }
    }, Code.Unavailable);
    expect(contents.at(-1)).toBe(words.slice(0, 3).join(""));
  });

  const postChat = (userId: string) =>
    fetch(`${harness.baseUrl}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${testToken}` },
      body: JSON.stringify({ user_id: userId, user_message: "go" }),
    });

  it("POST /chat: a cut-off answer is 503, never a 200 with a partial answer", async () => {
    harness.simulator.script({ deltas: words, paceMs: 5, fault: { kind: "stall", afterDeltas: 3 } });
    const response = await postChat("http-faults");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "upstream.unavailable" } });
  });

  it("POST /chat: refused credentials are 500 without the key", async () => {
    harness.simulator.script({ fault: { kind: "status", status: 401 } });
    const response = await postChat("http-faults-401");
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toContain("upstream.misconfigured");
    expect(body).not.toContain(apiKey);
  });
});
