// The real `openai` SDK against the simulator over real sockets: every upstream fault the port documents.
// Timer logic (the idle timer, request timeouts, retry back-offs) runs on fake timers: the sockets stay
// real, the clock is the test's.
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  onTestFinished,
  vi,
  type MockInstance,
} from "vitest";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
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

/** Drains a stream, keeping what it yielded and how it ended. */
async function collect(
  stream: AsyncIterable<ModelEvent>,
  onEvent?: (event: ModelEvent, index: number) => void,
) {
  const events: ModelEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) {
      events.push(event);
      onEvent?.(event, events.length - 1);
    }
  } catch (caught) {
    error = caught;
  }
  const text = events.map((e) => (e.type === "delta" ? e.text : "")).join("");
  return { events, error, text, deltas: events.filter((e) => e.type === "delta").length };
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

/**
 * Fake `setTimeout`/`clearTimeout` for one describe block (the sockets, and the simulator's own pacing
 * through `node:timers/promises`, stay real). `armed(ms)` waits until some code armed a timer of `ms`:
 * the adapter's idle timer, the SDK's request timeout or its retry back-off. Checks say "not 1 s before
 * the deadline, but at it": fetch's own timers run on the fake clock too and shift it by a few ms.
 */
function useFakeTimers() {
  let spy: MockInstance<typeof setTimeout>;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    spy = vi.spyOn(globalThis, "setTimeout");
  });
  afterEach(() => {
    spy.mockRestore();
    vi.useRealTimers();
  });
  return {
    armed: (ms: number) =>
      expect.poll(() => spy.mock.calls.some(([, delay]) => delay === ms), { timeout: 5_000 }).toBe(true),
    /** The (fake) timer object the first `setTimeout` of `ms` returned. */
    timerOf: (ms: number) =>
      spy.mock.results[spy.mock.calls.findIndex(([, delay]) => delay === ms)]?.value as NodeJS.Timeout,
  };
}

const domainCode = (error: unknown) => (error instanceof DomainError ? error.code : error);

describe("streaming through the OpenAI adapter", () => {
  it("yields the deltas, the finish reason and usage, and sends what OpenAI expects", async () => {
    sim.script({ text: "Hello there, general Kenobi." });
    const { events, text, error } = await collect(model().stream(request, new AbortController().signal));

    expect(error).toBeUndefined();
    expect(text).toBe("Hello there, general Kenobi.");
    expect(events.filter((e) => e.type !== "delta")).toEqual([
      { type: "accepted" },
      { type: "finish", reason: "stop" },
      {
        type: "usage",
        // The simulator's estimate: ceil(words × 1.3) + 4 per message, + 3.
        usage: { promptTokens: 17, completionTokens: 6, totalTokens: 23 },
      },
    ]);
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
  const timers = useFakeTimers();

  it("retries a 429 once, transparently, after exactly its retry-after", async () => {
    sim.script({ text: "after the wait", fault: { kind: "status", status: 429, retryAfterMs: 5_000 } });
    const result = collect(model().stream(request, new AbortController().signal));
    await timers.armed(5_000); // the SDK's back-off
    await vi.advanceTimersByTimeAsync(4_000);
    expect(sim.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);

    const { events, text, error } = await result;
    expect(error).toBeUndefined();
    expect(text).toBe("after the wait");
    expect(events.map((e) => e.type)).toEqual(["accepted", "delta", "delta", "delta", "finish", "usage"]);
    expect(sim.requests).toHaveLength(2);
    expect(sim.requests[1]?.headers["x-stainless-retry-count"]).toBe("1");
  });

  it("gives up on 500s after maxRetries: upstream.unavailable", async () => {
    sim.script({ fault: { kind: "status", status: 500, times: 3, retryAfterMs: 1_000 } });
    const result = collect(model().stream(request, new AbortController().signal));
    for (const attempt of [1, 2]) {
      await expect.poll(() => sim.requests.length).toBe(attempt);
      await timers.armed(1_000);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    const { error, events } = await result;
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(events).toEqual([]);
    expect(sim.requests).toHaveLength(3);
  });

  it("does not wait out a retry-after beyond maxRetryAfterMs", async () => {
    sim.script({ fault: { kind: "status", status: 429, retryAfter: 120 } });
    // No fake time passes: a back-off would never end and the test would time out.
    const { error } = await collect(
      model({ maxRetryAfterMs: 1000 }).stream(request, new AbortController().signal),
    );
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(sim.requests).toHaveLength(1);
  });

  it("maps a 401 to upstream.misconfigured without leaking the key", async () => {
    sim.script({ fault: { kind: "status", status: 401 } });
    const { error, events } = await collect(model().stream(request, new AbortController().signal));
    expect(domainCode(error)).toBe("upstream.misconfigured");
    expect(events).toEqual([]); // refused before it was accepted: nothing billed
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

  it("times out a server that never sends headers after requestTimeoutMs: upstream.unavailable", async () => {
    sim.script({ fault: { kind: "hang" } });
    const result = collect(
      model({ requestTimeoutMs: 30_000, maxRetries: 0 }).stream(request, new AbortController().signal),
    );
    const done = watch(result);
    await timers.armed(30_000);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(done.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(domainCode((await result).error)).toBe("upstream.unavailable");
    await sim.clientClosed();
  });
});

describe("failures after the stream began", () => {
  describe("the idle timer", () => {
    const timers = useFakeTimers();

    it("aborts a stream silent for idleTimeoutMs (upstream.unavailable) and closes the socket", async () => {
      sim.script({ text: "one two three four", fault: { kind: "stall", afterDeltas: 2 } });
      const events = model({ idleTimeoutMs: 10_000 }).stream(request, new AbortController().signal);
      const iterator = events[Symbol.asyncIterator]();
      const received = [
        (await iterator.next()).value,
        (await iterator.next()).value,
        (await iterator.next()).value,
      ];
      expect(received).toEqual([
        { type: "accepted" },
        { type: "delta", text: "one" },
        { type: "delta", text: " two" },
      ]);
      const third = iterator.next(); // from here on the adapter waits on the upstream
      const done = watch(third);
      await vi.advanceTimersByTimeAsync(9_000);
      expect(done.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(third).rejects.toMatchObject({ code: "upstream.unavailable" });
      await sim.clientClosed();
    });

    it("counts the wait for the first chunk as idle time too", async () => {
      sim.script({ fault: { kind: "stall", afterDeltas: 0 } });
      const result = collect(model({ idleTimeoutMs: 10_000 }).stream(request, new AbortController().signal));
      const done = watch(result);
      await timers.armed(10_000); // the headers came: the idle timer runs
      await vi.advanceTimersByTimeAsync(9_000);
      expect(done.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      const { error, deltas, events } = await result;
      expect(deltas).toBe(0);
      // The headers came, so the upstream took the request (its prompt is billed) though nothing followed.
      expect(events).toEqual([{ type: "accepted" }]);
      expect(domainCode(error)).toBe("upstream.unavailable");
    });

    it("does not count a slow consumer against the idle timer", async () => {
      sim.script({ text: "a b" });
      const events = model({ idleTimeoutMs: 1_000 }).stream(request, new AbortController().signal);
      const iterator = events[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toEqual({ type: "accepted" });
      expect((await iterator.next()).value).toEqual({ type: "delta", text: "a" });
      await vi.advanceTimersByTimeAsync(5_000); // the consumer dawdles for five idle periods
      const { error, text } = await collect({ [Symbol.asyncIterator]: () => iterator });
      expect(error).toBeUndefined();
      expect(text).toBe(" b");
    });
  });

  it("reports a reset after 3 deltas as upstream.interrupted, after yielding them", async () => {
    sim.script({ text: "one two three four five", fault: { kind: "reset", afterDeltas: 3 } });
    const { error, text } = await collect(model().stream(request, new AbortController().signal));
    expect(text).toBe("one two three");
    expect(domainCode(error)).toBe("upstream.interrupted");
    expect(((error as DomainError).cause as NodeJS.ErrnoException).code).toBe("ECONNRESET"); // the socket's own error
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

/**
 * A server that answers every request with an event stream written by `write`, for framings the simulator
 * does not produce. Resolves `closed` when the client closes the connection.
 */
async function eventStreamServer(write: (res: ServerResponse) => void) {
  let closedBy!: () => void;
  const closed = new Promise<void>((resolve) => (closedBy = resolve));
  const server = createServer((req, res) => {
    req.resume();
    res.on("close", () => closedBy());
    res.writeHead(200, { "content-type": "text/event-stream" });
    write(res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  return { baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, closed };
}

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}`;

describe("the event stream's framing", () => {
  it("reads CRLF line ends, keep-alive comments and events cut across writes", async () => {
    const { baseURL } = await eventStreamServer((res) => {
      const stream = `: keep-alive\r\n\r\n${chunk("héllo")}\r\n\r\n${chunk(" wörld")}\r\n\r\ndata: [DONE]\r\n\r\n`;
      const encoded = Buffer.from(stream);
      // Cut inside the multi-byte "é" and between the CR and LF of a line end.
      const cuts = [encoded.indexOf("é") + 1, encoded.indexOf("\r\n", encoded.indexOf("llo")) + 1];
      res.write(encoded.subarray(0, cuts[0]));
      res.write(encoded.subarray(cuts[0], cuts[1]));
      res.end(encoded.subarray(cuts[1]));
    });
    const { text, error } = await collect(model({ baseURL }).stream(request, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(text).toBe("héllo wörld");
  });

  describe("with the idle timer", () => {
    const timers = useFakeTimers();

    it("counts a keep-alive comment as life (OpenRouter's while a model thinks), not as silence", async () => {
      let response!: ServerResponse;
      const { baseURL } = await eventStreamServer((res) => {
        response = res;
        res.flushHeaders();
      });
      const result = collect(
        model({ baseURL, idleTimeoutMs: 10_000 }).stream(request, new AbortController().signal),
      );
      const done = watch(result);
      await timers.armed(10_000);
      const refresh = vi.spyOn(timers.timerOf(10_000), "refresh");
      await vi.advanceTimersByTimeAsync(9_000);
      response.write(": OPENROUTER PROCESSING\n\n");
      // The adapter read the comment and waits again: the timer was re-armed from now.
      await expect.poll(() => refresh.mock.calls.length, { timeout: 5_000 }).toBe(1);
      await vi.advanceTimersByTimeAsync(9_000); // 18 s after the headers, 9 s after the comment
      expect(done.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      const { error, events } = await result;
      expect(events).toEqual([{ type: "accepted" }]);
      expect(domainCode(error)).toBe("upstream.unavailable");
    });
  });

  it("reports an `error` chunk after a delta as upstream.interrupted, with the server's code in the log", async () => {
    const { baseURL } = await eventStreamServer((res) =>
      res.end(`${chunk("partial")}\n\ndata: {"error":{"message":"overloaded","code":"server_error"}}\n\n`),
    );
    const { error, text } = await collect(model({ baseURL }).stream(request, new AbortController().signal));
    expect(text).toBe("partial");
    expect(domainCode(error)).toBe("upstream.interrupted");
    expect(logged.find((entry) => entry.message === "openai stream broke")?.fields).toMatchObject({
      code: "server_error",
      sawDelta: true,
    });
  });

  it("ignores what follows `[DONE]`, as the SDK does", async () => {
    const { baseURL } = await eventStreamServer((res) =>
      res.end(`${chunk("done")}\n\ndata: [DONE]\n\n${chunk(" and more")}\n\ndata: not json\n\n`),
    );
    const { error, text } = await collect(model({ baseURL }).stream(request, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(text).toBe("done");
  });

  it("fails an event that never ends once it passes 4 Mi characters, and closes the socket", async () => {
    const piece = "x".repeat(64 * 1024);
    let written = 0;
    const { baseURL, closed } = await eventStreamServer((res) => {
      const more = () => {
        // Writes until the client goes away; 100 MiB would mean the bound did not hold.
        while (!res.destroyed && written < 100 * 1024 * 1024) {
          written += piece.length;
          if (!res.write(written === piece.length ? `data: ${piece}` : piece))
            return void res.once("drain", more);
        }
      };
      more();
    });
    const { error, deltas } = await collect(model({ baseURL }).stream(request, new AbortController().signal));
    expect(deltas).toBe(0);
    expect(domainCode(error)).toBe("upstream.unavailable");
    expect(((error as DomainError).cause as Error).name).toBe("SseEventTooLarge");
    await closed;
    expect(written).toBeLessThan(100 * 1024 * 1024);
  });
});

describe("cancellation", () => {
  it("throws the caller's reason and closes the upstream socket", async () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    sim.script({ text: words, paceMs: 20 });
    const controller = new AbortController();
    const reason = new Error("the user pressed stop");
    const { error, deltas } = await collect(model().stream(request, controller.signal), (_event, index) => {
      if (index === 3) controller.abort(reason); // `accepted`, then three deltas
    });
    expect(error).toBe(reason);
    expect(deltas).toBe(3);
    await sim.clientClosed();
    expect(sim.requests[0]?.deltasWritten).toBeLessThan(40); // the close cut the answer short
  });

  describe("during a retry back-off", () => {
    const timers = useFakeTimers();

    it("throws the caller's reason at once, without waiting the back-off out", async () => {
      sim.script({ fault: { kind: "status", status: 503, retryAfterMs: 5_000 } });
      const controller = new AbortController();
      const result = collect(model().stream(request, controller.signal));
      await timers.armed(5_000);
      controller.abort(new Error("gone")); // no fake time passes after this
      const { error } = await result;
      expect((error as Error).message).toBe("gone");
      expect(sim.requests).toHaveLength(1);
    });
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
    await expect
      .poll(() => sim.requests.every((r) => r.endedAt !== null || r.clientClosedAt !== null))
      .toBe(true);
    expect(sim.requests.filter((r) => r.clientClosedAt !== null)).toHaveLength(20);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
