/**
 * The upstream of every benchmark: Parley's own OpenAI-compatible simulator (from dist), in its own
 * process, answering by the last user message:
 *   "bench:ttft"    5 short deltas, the first at once, then one every millisecond
 *   "bench:instant" INSTANT_DELTAS deltas written as fast as possible (they coalesce into large reads)
 *   "bench:paced"   PACED_DELTAS deltas, one TCP write every PACE_MS (50 tokens/s at 20 ms)
 *   "bench:slow"    a first delta at once, then one every 2 s: streams that stay open
 * Prints `listening <url>` when ready.
 */
import { createSimulator } from "../dist/simulator/simulator.js";
import { deltaTexts } from "./lib/texts.mjs";

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const instant = env("INSTANT_DELTAS", 1000);
const paced = env("PACED_DELTAS", 150);
const paceMs = env("PACE_MS", 20);

const simulator = createSimulator({ paceMs: 0, firstDeltaDelayMs: 0 });
const is = (name) => (question) => question === `bench:${name}`;
const scripts = () =>
  simulator
    .when(is("ttft"), { deltas: deltaTexts(5), paceMs: 1, firstDeltaDelayMs: 0 })
    .when(is("instant"), { deltas: deltaTexts(instant), paceMs: 0, firstDeltaDelayMs: 0 })
    .when(is("paced"), { deltas: deltaTexts(paced), paceMs, firstDeltaDelayMs: paceMs })
    .when(is("slow"), { deltas: deltaTexts(100), paceMs: 2_000, firstDeltaDelayMs: 0 });
scripts();

// The simulator records every request it serves (tests read them); a benchmark sends tens of thousands,
// so forget them now and then. `reset` forgets the scripts too: they are registered again at once.
setInterval(() => {
  simulator.reset();
  scripts();
}, 5_000).unref();

const url = await simulator.listen(0, "127.0.0.1");
process.stdout.write(`listening ${url}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
