// The real `openai` SDK against the simulator over real sockets: every upstream fault the port documents.
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../../application/ports.js";
import type { ModelEvent, ModelRequest } from "../../application/replies/chat-model.js";
import { DomainError } from "../../domain/errors.js";
import { createSimulator, type Simulator } from "../../simulator/simulator.js";
import { createOpenAIChatModel, type OpenAIChatModelOptions } from "./openai-chat-model.js";

const apiKey = "sk-test-secret-key-0123456789";
const sim: Simulator = createSimulator({ paceMs: 0 });
let logged: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = {
  info: (message, fields) => logged.push({ level: "info", message, fields }),
  warn: (message, fields) => logged.push({ level: "warn", message, fields }),
  error: (message, fields) => logged.push({ level: "error", message, fields }),
};

beforeAll(() => sim.listen());
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  logged = [];
});

const request: ModelRequest = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Say hello." },
  ],
  maxOutputTokens: 256,
  temperature: 0.7,
};

const model = (options: Partial<OpenAIChatModelOptions> = {}) =>
  createOpenAIChatModel({ apiKey, baseURL: sim.url, idleTimeoutMs: 200, maxRetries: 2, logger, ...options });

/** Drains a stream, keeping what it yielded, when, and how it ended. */
async function collect(
  stream: AsyncIterable<ModelEvent>,
  onEvent?: (event: ModelEvent, index: number) => void,
) {
  const events: ModelEvent[] = [];
  const times: number[] = [];
  let error: unknown;
  try {
    for await (const event of stream) {
      events.push(event);
      times.push(performance.now());
      onEvent?.(event, events.length - 1);
    }
  } catch (caught) {
    error = caught;
  }
  const text = events.map((e) => (e.type === "delta" ? e.text : "")).join("");
  return { events, times, error, text, deltas: events.filter((e) => e.type === "delta").length };
}

const domainCode = (error: unknown) => (error instanceof DomainError ? error.code : error);

describe("streaming through the OpenAI adapter", () => {
  it("yields the deltas, the finish reason and usage, and sends what OpenAI expects", async () => {
    sim.script({ text: "Hello there, general Kenobi." });
    const { events, text, error } = await collect(model().stream(request, new AbortController().signal));

    expect(error).toBeUndefined();
    expect(text).toBe("Hello there, general Kenobi.");
    expect(events.filter((e) => e.type !== "delta")).toEqual([
      { type: "finish", reason: "stop" },
      {
        type: "usage",
        usage: { promptTokens: expect.any(Number), completionTokens: 6, totalTokens: expect.any(Number) },
      },
    ]);
    const usage =
      events.at(-1)?.type === "usage"
        ? (events.at(-1) as Extract<ModelEvent, { type: "usage" }>).usage
        : null;
    expect(usage?.totalTokens).toBe((usage?.promptTokens ?? 0) + 6);
    const [sent] = sim.requests;
    expect(sent?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(sent?.body).toMatchObject({
      model: "gpt-4o-mini",
      messages: request.messages,
      temperature: 0.7,
      max_tokens: 256, // a non-OpenAI base URL gets the parameter every compatible server knows
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("can send max_completion_tokens instead", async () => {
    await collect(
      model({ tokenLimitParameter: "max_completion_tokens" }).stream(request, new AbortController().signal),
    );
    expect(sim.requests[0]?.body).toMatchObject({ max_completion_tokens: 256 });
    expect(sim.requests[0]?.body).not.toHaveProperty("max_tokens");
  });

  it("tolerates a usage chunk with `choices: null` (vLLM)", async () => {
    sim.script({ text: "fine", usageChoices: "null" });
    const { events, error } = await collect(model().stream(request, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(events.at(-1)?.type).toBe("usage");
  });

  it("ends without a finish event when the upstream closes without one", async () => {
    sim.script({ text: "cut off here", fault: { kind: "no-done" } });
    const { events, text, error } = await collect(model().stream(request, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(text).toBe("cut off here");
    expect(events.some((e) => e.type === "finish")).toBe(false);
  });
});

describe("failures before the first token", () => {
  it("retries a 429 once, transparently, after its retry-after", async () => {
    sim.script({ text: "after the wait", fault: { kind: "status", status: 429, retryAfterMs: 50 } });
    const started = performance.now();
    const { events, text, error } = await collect(model().stream(request, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(text).toBe("after the wait");
    expect(events.map((e) => e.type)).toEqual(["delta", "delta", "delta", "finish", "usage"]);
    expect(sim.requests).toHaveLength(2);
    expect(sim.requests[1]?.headers["x-stainless-retry-count"]).toBe("1");
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("gives up on 500s after maxRetries: upstream.unavailable", async () => {
    sim.script({ fault: { kind: "status", status: 500, times: 3, retryAfterMs: 10 } });
    const { error, events } = await collect(model().stream(request, new AbortController().signal));
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(events).toEqual([]);
    expect(sim.requests).toHaveLength(3);
  });

  it("does not wait out a retry-after beyond maxRetryAfterMs", async () => {
    sim.script({ fault: { kind: "status", status: 429, retryAfter: 120 } });
    const started = performance.now();
    const { error } = await collect(
      model({ maxRetryAfterMs: 1000 }).stream(request, new AbortController().signal),
    );
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(sim.requests).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("maps a 401 to upstream.misconfigured without leaking the key", async () => {
    sim.script({ fault: { kind: "status", status: 401 } });
    const { error } = await collect(model().stream(request, new AbortController().signal));
    expect(domainCode(error)).toBe("upstream.misconfigured");
    expect((error as DomainError).message).not.toContain(apiKey);
    expect((error as DomainError).cause).toBeUndefined();
    expect(sim.requests).toHaveLength(1); // not retried
    const entry = logged.find((e) => e.level === "error");
    expect(entry?.fields).toMatchObject({ status: 401, requestId: "req_sim_0", code: "invalid_api_key" });
    expect(JSON.stringify(logged)).not.toContain(apiKey);
  });

  it("maps 400 context_length_exceeded to upstream.rejected, saying the conversation is too long", async () => {
    sim.script({ fault: { kind: "status", status: 400, code: "context_length_exceeded" } });
    const { error } = await collect(model().stream(request, new AbortController().signal));
    expect(domainCode(error)).toBe("upstream.rejected");
    expect((error as DomainError).message).toMatch(/too long for the model/);
    expect((error as DomainError).details).toMatchObject({ reason: "context_length_exceeded" });
    expect(sim.requests).toHaveLength(1);
  });

  it("times out a server that never sends headers: upstream.unavailable", async () => {
    sim.script({ fault: { kind: "hang" } });
    const { error } = await collect(
      model({ requestTimeoutMs: 150, maxRetries: 0 }).stream(request, new AbortController().signal),
    );
    expect(domainCode(error)).toBe("upstream.unavailable");
    await sim.clientClosed();
  });
});

describe("failures after the stream began", () => {
  it("aborts a stalled stream after idleTimeoutMs (upstream.unavailable) and closes the socket", async () => {
    sim.script({ text: "one two three four", fault: { kind: "stall", afterDeltas: 2 } });
    const { error, deltas, times } = await collect(
      model({ idleTimeoutMs: 200 }).stream(request, new AbortController().signal),
    );
    const failedAt = performance.now();
    expect(deltas).toBe(2);
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(failedAt - (times.at(-1) ?? 0)).toBeGreaterThanOrEqual(190);
    expect(failedAt - (times.at(-1) ?? 0)).toBeLessThan(450);
    expect((await sim.clientClosed()) - failedAt).toBeLessThan(100);
  });

  it("counts the wait for the first chunk as idle time too", async () => {
    sim.script({ fault: { kind: "stall", afterDeltas: 0 } });
    const started = performance.now();
    const { error } = await collect(
      model({ idleTimeoutMs: 150 }).stream(request, new AbortController().signal),
    );
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(performance.now() - started).toBeLessThan(450);
  });

  it("does not count a slow consumer against the idle timer", async () => {
    sim.script({ text: "a b" });
    const slow = async function* (source: AsyncIterable<ModelEvent>) {
      for await (const event of source) {
        await new Promise((resolve) => setTimeout(resolve, 120));
        yield event;
      }
    };
    const { error, text } = await collect(
      slow(model({ idleTimeoutMs: 80 }).stream(request, new AbortController().signal)),
    );
    expect(error).toBeUndefined();
    expect(text).toBe("a b");
  });

  it("reports a reset after 3 deltas as upstream.interrupted, after yielding them", async () => {
    sim.script({ text: "one two three four five", fault: { kind: "reset", afterDeltas: 3 } });
    const { error, text } = await collect(model().stream(request, new AbortController().signal));
    expect(text).toBe("one two three");
    expect(domainCode(error)).toBe("upstream.interrupted");
    expect(((error as DomainError).cause as Error).message).toBe("terminated"); // undici's word for ECONNRESET
    expect(sim.requests).toHaveLength(1); // never retried after the first token
  });

  it("reports a malformed chunk as upstream.interrupted", async () => {
    sim.script({ text: "one two three", fault: { kind: "malformed", afterDeltas: 2 } });
    const { error, text } = await collect(model().stream(request, new AbortController().signal));
    expect(text).toBe("one two");
    expect(domainCode(error)).toBe("upstream.interrupted");
    expect((error as DomainError).cause).toBeInstanceOf(SyntaxError);
  });

  it("reports a malformed first chunk as upstream.unavailable (nothing was said yet)", async () => {
    sim.script({ text: "one", fault: { kind: "malformed", afterDeltas: 0 } });
    const { error, deltas } = await collect(model().stream(request, new AbortController().signal));
    expect(deltas).toBe(0);
    expect(domainCode(error)).toBe("upstream.unavailable");
  });
});

describe("cancellation", () => {
  it("throws the caller's reason and closes the upstream socket within 100 ms", async () => {
    sim.script({ text: "a b c d e f g h i j k l", paceMs: 20 });
    const controller = new AbortController();
    const reason = new Error("the user pressed stop");
    let abortedAt = 0;
    const { error, deltas } = await collect(model().stream(request, controller.signal), (_event, index) => {
      if (index === 2) {
        abortedAt = performance.now();
        controller.abort(reason);
      }
    });
    expect(error).toBe(reason);
    expect(deltas).toBe(3);
    const closedAt = await sim.clientClosed();
    expect(closedAt - abortedAt).toBeGreaterThanOrEqual(0);
    expect(closedAt - abortedAt).toBeLessThan(100);
  });

  it("throws the caller's reason at once during a retry back-off", async () => {
    sim.script({ fault: { kind: "status", status: 503, retryAfterMs: 5000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("gone")), 50);
    const started = performance.now();
    const { error } = await collect(model().stream(request, controller.signal));
    expect((error as Error).message).toBe("gone");
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("closes the upstream socket when the consumer stops reading early", async () => {
    sim.script({ text: "a b c d e f", paceMs: 20 });
    for await (const event of model().stream(request, new AbortController().signal)) {
      if (event.type === "delta") break;
    }
    await sim.clientClosed();
    expect(sim.requests[0]?.deltasWritten).toBeLessThan(6);
  });

  it("throws at once when the signal is already aborted, without calling upstream", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    const { error } = await collect(model().stream(request, controller.signal));
    expect((error as Error).message).toBe("too late");
    expect(sim.requests).toHaveLength(0);
  });

  it("leaves no timers behind after many aborted and stalled streams", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    for (let cycle = 0; cycle < 10; cycle++) {
      sim.script({ text: "a b c d", paceMs: 5, fault: { kind: "stall", afterDeltas: 1 } });
      await collect(model({ idleTimeoutMs: 20 }).stream(request, new AbortController().signal));
      sim.script({ text: "a b c d e f", paceMs: 5 });
      const controller = new AbortController();
      await collect(model().stream(request, controller.signal), () => controller.abort(new Error("stop")));
    }
    await until(() => sim.requests.every((r) => r.endedAt !== null || r.clientClosedAt !== null));
    expect(sim.requests.filter((r) => r.clientClosedAt !== null)).toHaveLength(20);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
