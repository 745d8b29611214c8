import { performance } from "node:perf_hooks";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { demoReply } from "./demo-reply.js";
import { ScriptBook, splitIntoDeltas } from "./script.js";
import { createSimulator, type Simulator } from "./simulator.js";

const sim: Simulator = createSimulator({ paceMs: 0 });
beforeAll(() => sim.listen());
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const chat = (body: Record<string, unknown>, init: RequestInit = {}) =>
  fetch(`${sim.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...body }),
    ...init,
  });

/** The `data:` payloads of an SSE body, in order. */
const dataLines = (text: string) =>
  text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));

describe("the simulator speaks OpenAI's chat-completions format", () => {
  it("streams a role chunk, deltas, a finish chunk, a usage chunk and [DONE]", async () => {
    sim.script({ deltas: ["Hel", "lo", " world"], finishReason: "stop" });
    const res = await chat({ stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBe("req_sim_0");
    const lines = dataLines(await res.text());

    expect(lines.at(-1)).toBe("[DONE]");
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks).toHaveLength(6);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: chunks[0].id, created: chunks[0].created, model: "gpt-4o-mini" });
      expect(c.object).toBe("chat.completion.chunk");
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.slice(1, 4).map((c) => c.choices[0].delta.content)).toEqual(["Hel", "lo", " world"]);
    expect(chunks[4].choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks.slice(0, 5).every((c) => c.usage === null)).toBe(true);
    expect(chunks[5].choices).toEqual([]);
    expect(chunks[5].usage).toMatchObject({
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
    });
  });

  it("leaves usage out unless asked, and can send vLLM's `choices: null`", async () => {
    const plain = dataLines(await (await chat({ stream: true })).text());
    expect(plain.slice(0, -1).every((line) => !("usage" in JSON.parse(line)))).toBe(true);

    sim.script({ text: "ok", usageChoices: "null" });
    const lines = dataLines(
      await (await chat({ stream: true, stream_options: { include_usage: true } })).text(),
    );
    expect(JSON.parse(lines.at(-2) ?? "").choices).toBeNull();
  });

  it("answers non-streaming requests with one chat.completion, and lists models", async () => {
    sim.script({ text: "Whole answer.", finishReason: "length" });
    const body = await (await chat({})).json();
    expect(body).toMatchObject({
      object: "chat.completion",
      choices: [
        { index: 0, message: { role: "assistant", content: "Whole answer." }, finish_reason: "length" },
      ],
      usage: { prompt_tokens: expect.any(Number) },
    });
    const models = await (await fetch(`${sim.url}/models`)).json();
    expect(models).toMatchObject({ object: "list", data: [{ object: "model" }, { object: "model" }] });
  });

  it("rejects what OpenAI rejects, in OpenAI's error envelope", async () => {
    const missing = await fetch(`${sim.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m" }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      error: { param: "messages", type: "invalid_request_error" },
    });
    const unknown = await fetch(`${sim.url}/embeddings`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
  });

  it("records bodies and headers, the authorization included", async () => {
    await (await chat({ stream: true })).text();
    expect(sim.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-test" },
      body: { model: "gpt-4o-mini", stream: true },
      response: "reply",
    });
  });
});

describe("scripted failures at the HTTP level", () => {
  it("answers a status fault `times` times with retry headers, then serves the reply", async () => {
    sim.script({
      text: "after",
      fault: { kind: "status", status: 429, times: 2, retryAfterMs: 50, retryAfter: 1 },
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await chat({});
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after-ms")).toBe("50");
      expect(res.headers.get("retry-after")).toBe("1");
      expect(await res.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    }
    expect(await (await chat({})).json()).toMatchObject({ choices: [{ message: { content: "after" } }] });
    expect(sim.pendingScripts).toBe(0);
  });

  it("hangs without headers until the client gives up, and records when it did", async () => {
    sim.script({ fault: { kind: "hang" } });
    const controller = new AbortController();
    const response = chat({ stream: true }, { signal: controller.signal });
    await until(() => sim.requests.length === 1);
    expect(sim.requests[0]?.clientClosedAt).toBeNull(); // it waits for the client
    controller.abort();
    await expect(response).rejects.toMatchObject({ name: "AbortError" });
    await sim.clientClosed();
    expect(sim.requests[0]?.endedAt).toBeNull();
  });

  it("ends stalled responses and their timers on close()", async () => {
    const local = createSimulator();
    await local.listen();
    // Ten minutes between deltas: close() waiting for any of them would outlast the test's timeout.
    local.script({ text: "one two three", paceMs: 600_000, fault: { kind: "stall", afterDeltas: 1 } });
    const res = await fetch(`${local.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", stream: true, messages: [] }),
    });
    const reading = res.text().catch((error: unknown) => error);
    await local.close();
    expect(await reading).toBeInstanceOf(Error);
  });
});

describe("the default reply", () => {
  it("streams word by word at a realistic pace (25 ms by default)", async () => {
    const paced = createSimulator();
    await paced.listen();
    try {
      const controller = new AbortController();
      const res = await fetch(`${paced.url}/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          model: "m",
          stream: true,
          messages: [{ role: "user", content: "How do tides work?" }],
        }),
        signal: controller.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const arrivals: number[] = [];
      const decoder = new TextDecoder();
      let text = "";
      while (arrivals.length < 8) {
        const { value } = await reader.read();
        text += decoder.decode(value);
        arrivals.push(performance.now());
      }
      controller.abort();
      const gaps = arrivals.slice(2).map((t, i) => t - (arrivals[i + 1] ?? t));
      expect(Math.min(...gaps)).toBeGreaterThan(15);
      expect(Math.max(...gaps)).toBeLessThan(150);
      expect(text).toContain("simulated");
      await paced.clientClosed();
    } finally {
      await paced.close();
    }
  });

  it("is deterministic per question, varied across questions, and mentions the question", () => {
    expect(demoReply("What is a monad?")).toBe(demoReply("What is a monad?"));
    const replies = new Set(
      ["a", "b", "c", "What is a monad?", "How do tides work?"].map((q) => demoReply(q)),
    );
    expect(replies.size).toBe(5);
    expect(demoReply("What is a monad?")).toContain("What is a monad?");
    expect(demoReply("What is a monad?")).toMatch(/simulated reply/);
    expect(demoReply("What is a monad?", "gpt-4")).toMatch(/^\*\(simulated reply by gpt-4: /);
    const withCode = ["q1", "q2", "q3", "q4", "q5", "q6"]
      .map((q) => demoReply(q))
      .filter((r) => r.includes("```"));
    expect(withCode.length).toBeGreaterThan(0);
  });

  it("answers with a Markdown table when asked for a table, and only then", () => {
    expect(demoReply("Compare the options in a table")).toContain(
      "| Approach | When it fits | Cost |\n| --- | --- | ---: |",
    );
    expect(demoReply("What is a monad?")).not.toContain("|");
    expect(demoReply("What is a tablespoon?")).not.toContain("| Approach");
  });
});

describe("scripts", () => {
  it("split into deltas that concatenate to the text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        fc.option(fc.integer({ min: 1, max: 7 })),
        (text, size) => {
          const deltas = splitIntoDeltas(text, size ?? undefined);
          expect(deltas.join("")).toBe(text);
          expect(deltas.every((d) => d.length > 0)).toBe(true);
        },
      ),
    );
    expect(splitIntoDeltas("Hello big\nworld ")).toEqual(["Hello", " big", "\nworld "]);
  });

  it("prefer a matching standing script over the queue", () => {
    const book = new ScriptBook();
    book.enqueue([{ text: "queued" }]);
    book.when(/tides/, { text: "matched" });
    expect(book.next("how do tides work").script.text).toBe("matched");
    expect(book.next("anything else").script.text).toBe("queued");
    expect(book.next("anything else").script).toEqual({});
  });
});

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
