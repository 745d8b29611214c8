/**
 * The upstream of every benchmark: Parley's own OpenAI-compatible simulator (from dist), in its own
 * process, answering by the last user message:
 *   "bench:ttft"    5 short deltas, the first at once, then one every millisecond
 *   "bench:instant" INSTANT_DELTAS deltas written as fast as possible (they coalesce into large reads)
 *   "bench:paced"   PACED_DELTAS deltas, one TCP write every PACE_MS (50 tokens/s at 20 ms)
 *   "bench:slow"    a first delta at once, then one every 2 s: streams that stay open
 *   "bench:long…"   3 000 deltas paced at PACE_MS (a minute): a reply that is still live while a row
 *                   watches or stops it; each question can carry a tag of its own ("bench:long:17")
 * Prints `listening <url>` when ready. With an IPC channel it answers `closedAt({ question })`: when
 * (epoch ms, `performance.timeOrigin + performance.now()`) the client hung up on the request that asked
 * `question` before its answer was done — how row 14 times a stop across processes.
 */
import { performance } from "node:perf_hooks";
import { createSimulator } from "../dist/simulator/simulator.js";
import { serveRpc } from "./lib/ipc.mjs";
import { deltaTexts } from "./lib/texts.mjs";

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const instant = env("INSTANT_DELTAS", 1000);
const paced = env("PACED_DELTAS", 150);
const paceMs = env("PACE_MS", 20);

const simulator = createSimulator({ paceMs: 0, firstDeltaDelayMs: 0 });
const is = (name) => (question) => question === `bench:${name}`;
const isLong = (question) => question.startsWith("bench:long");
const scripts = () =>
  simulator
    .when(is("ttft"), { deltas: deltaTexts(5), paceMs: 1, firstDeltaDelayMs: 0 })
    .when(is("instant"), { deltas: deltaTexts(instant), paceMs: 0, firstDeltaDelayMs: 0 })
    .when(is("paced"), { deltas: deltaTexts(paced), paceMs, firstDeltaDelayMs: paceMs })
    .when(is("slow"), { deltas: deltaTexts(100), paceMs: 2_000, firstDeltaDelayMs: 0 })
    .when(isLong, { deltas: deltaTexts(3_000), paceMs, firstDeltaDelayMs: 0 });
scripts();

/** The last user message of a recorded request, or undefined. */
const questionOf = (request) => request.body?.messages?.findLast?.((m) => m.role === "user")?.content;

// Long requests outlive the resets below: keep them by question until their client hangs up.
const longRequests = new Map();
const keepLong = () => {
  for (const request of simulator.requests) {
    const question = questionOf(request);
    if (typeof question === "string" && isLong(question)) longRequests.set(question, request);
  }
};

// The simulator records every request it serves (tests read them); a benchmark sends tens of thousands,
// so forget them now and then. `reset` forgets the scripts too: they are registered again at once.
setInterval(() => {
  keepLong();
  const before = performance.now() - 30_000;
  for (const [question, request] of longRequests)
    if ((request.clientClosedAt ?? request.endedAt ?? Infinity) < before) longRequests.delete(question);
  simulator.reset();
  scripts();
}, 5_000).unref();

const serving = serveRpc({
  async closedAt({ question, timeoutMs = 5_000 }) {
    keepLong();
    const request = longRequests.get(question);
    if (!request) throw new Error(`no request asked ${question}`);
    const closed = await simulator.clientClosed(request, timeoutMs);
    longRequests.delete(question);
    return performance.timeOrigin + closed;
  },
});
if (serving) process.channel?.unref();

const url = await simulator.listen(0, "127.0.0.1");
process.stdout.write(`listening ${url}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
