/**
 * The baseline of every ratio: the bare `openai` SDK calling the simulator directly, in its own process
 * pinned where the service would run. It does only what any consumer of the stream must do — create the
 * request, iterate the chunks, read each delta — and measures itself (CPU via process.cpuUsage, gaps
 * between deltas, time to the first delta). Driven by the orchestrator over IPC.
 */
import { performance } from "node:perf_hooks";
import { writeHeapSnapshot } from "node:v8";
import OpenAI from "openai";
import { serveRpc } from "./lib/ipc.mjs";
import { measureMemory } from "./lib/memory.mjs";
import { percentile } from "./lib/stats.mjs";

const client = new OpenAI({ apiKey: "sk-bench", baseURL: process.env.SIMULATOR_URL, maxRetries: 0 });
const held = [];

/** The body the service sends for the same turn (see createOpenAIChatModel). */
const body = (messages) => ({
  model: "gpt-4o-mini",
  messages,
  temperature: 1,
  max_tokens: 1024,
  stream: true,
  stream_options: { include_usage: true },
});

/** One stream to its end; records the first delta's time and the gaps between deltas into `into`. */
async function consume(messages, into, signal) {
  const start = performance.now();
  const stream = await client.chat.completions.create(body(messages), { signal });
  let last = -1;
  let deltas = 0;
  let ttft = NaN;
  for await (const chunk of stream) {
    const text = chunk.choices?.[0]?.delta?.content;
    if (!text) continue;
    const now = performance.now();
    if (last < 0) ttft = now - start;
    else if (into && into.count < into.gaps.length) into.gaps[into.count++] = now - last;
    last = now;
    deltas++;
  }
  return { deltas, ttft };
}

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

serveRpc({
  /** `count` sequential turns; the time to the first delta of each, in ms. */
  async ttft({ count, messages }) {
    const times = [];
    for (let i = 0; i < count; i++) times.push((await consume(messages)).ttft);
    return times;
  },
  /**
   * `batches` × `concurrency` streams of `question`, each batch started over `rampMs`; the process's CPU
   * per delta, the gaps between deltas (ms) and how many deltas arrived.
   */
  async streams({ question, batches = 1, concurrency, rampMs = 0, expectDeltas, keepGaps = false }) {
    const messages = [{ role: "user", content: question }];
    const into = keepGaps ? { gaps: new Float64Array(batches * concurrency * expectDeltas), count: 0 } : null;
    let deltas = 0;
    let failed = 0;
    const started = performance.now();
    const cpuBefore = cpu();
    for (let batch = 0; batch < batches; batch++) {
      const runs = [];
      for (let i = 0; i < concurrency; i++) {
        const delay = concurrency > 1 ? (rampMs * i) / (concurrency - 1) : 0;
        runs.push(
          new Promise((resolve) => setTimeout(resolve, delay))
            .then(() => consume(messages, into))
            .then((result) => (deltas += result.deltas))
            .catch(() => failed++),
        );
      }
      await Promise.all(runs);
    }
    const cpuUs = cpu() - cpuBefore;
    const wallMs = performance.now() - started;
    const gaps = into ? into.gaps.subarray(0, into.count) : [];
    return {
      cpuUs,
      deltas,
      failed,
      lost: batches * concurrency * expectDeltas - deltas,
      wallMs,
      gapP50: percentile(gaps, 50),
      gapP99: percentile(gaps, 99),
      gapMax: percentile(gaps, 100),
    };
  },
  /** Opens `count` slow streams (at most `parallel` being opened at once); resolves once each has a delta. */
  async hold({ count, question, parallel = 25 }) {
    const messages = [{ role: "user", content: question }];
    let opened = 0;
    const openOne = async () => {
      const controller = new AbortController();
      const stream = await client.chat.completions.create(body(messages), { signal: controller.signal });
      const chunks = stream[Symbol.asyncIterator]();
      for (;;) {
        const { value, done } = await chunks.next();
        if (done) throw new Error("a slow stream ended early");
        if (value.choices?.[0]?.delta?.content) break;
      }
      // Keep reading, as a consumer would, until released.
      held.push(controller);
      void (async () => {
        try {
          for (;;) if ((await chunks.next()).done) break;
        } catch {
          // released
        }
      })();
      opened++;
    };
    const queue = Array.from({ length: count }, () => openOne);
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (queue.length > 0) await queue.shift()();
      }),
    );
    return { opened };
  },
  release() {
    for (const controller of held.splice(0)) controller.abort();
  },
  memory: () => measureMemory(),
  heapSnapshot: ({ path }) => writeHeapSnapshot(path),
  cpu,
});
