/**
 * Rows 12 and 13: what the Redis hub costs the replica that owns the replies. Two service processes on
 * core 1 (one idle while the other is measured): `off` without REDIS_URL (the in-process hub), `on` with
 * it. The sender is the only watcher, on the owner, so nobody follows on Redis: the cost measured is the
 * owner appending every delta to the reply's stream, plus whatever else the hub-on configuration does
 * (leases, rarer progress saves). Loads are those of rows 2 and 3.
 *
 * Row 12: CPU per delta, on ÷ off, instant and paced (at the paced ladder's step of `pacedAt` streams).
 * Row 13: the paced ladder with three processes at each step — the bare SDK loop (the gap rule's
 * baseline, as in row 3), off and on — in rotating order; each variant holds or fails by row 3's rule.
 */
import { median } from "../lib/stats.mjs";
import { perDelta, serviceStreams } from "./forwarding.mjs";

const orders = [
  ["baseline", "off", "on"],
  ["on", "off", "baseline"],
  ["off", "on", "baseline"],
];

async function run(who, processes, load) {
  return who === "baseline" ? processes.baseline.call("streams", load) : serviceStreams(processes[who], load);
}

/** Row 12, instant: off and on alternately (the order flips each round), after one warm-up each. */
export async function hubInstantCpu({ off, on, rounds, batches, deltas, log, label = "hub" }) {
  const load = { question: "bench:instant", batches, concurrency: 8, expectDeltas: deltas };
  await serviceStreams(off, load);
  await serviceStreams(on, load);
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const r = {};
    for (const who of round % 2 === 0 ? ["off", "on"] : ["on", "off"])
      r[who] = await serviceStreams(who === "off" ? off : on, load);
    r.ratio = perDelta(r.on) / perDelta(r.off);
    results.push(r);
    log(
      `  instant round ${round + 1}: CPU/delta ${label} off ${perDelta(r.off).toFixed(1)} µs, on ${perDelta(r.on).toFixed(1)} µs (${r.ratio.toFixed(2)}×); lost ${r.off.lost + r.off.failed}/${r.on.lost + r.on.failed}; messages per delta ${perMessage(r.off)}/${perMessage(r.on)}`,
    );
  }
  return {
    offCpu: median(results.map((r) => perDelta(r.off))),
    onCpu: median(results.map((r) => perDelta(r.on))),
    ratio: median(results.map((r) => r.ratio)),
    lost: results.reduce((sum, r) => sum + r.on.lost + r.on.failed + r.off.lost + r.off.failed, 0),
    offMessages: median(results.map((r) => r.off.messages / r.off.deltas)),
    onMessages: median(results.map((r) => r.on.messages / r.on.deltas)),
  };
}

/** Messages the client received per upstream delta (1: nothing merged). */
const perMessage = (run) => (run.messages / Math.max(1, run.deltas)).toFixed(3);

/** One variant's figures at one step, medians over rounds. */
function summarize(results, who, maxGapRatio) {
  const gapRatios = results.map((r) => r[who].gapP99 / r.baseline.gapP99);
  const lost = results.reduce((sum, r) => sum + r[who].lost + r[who].failed, 0);
  const summary = {
    cpu: median(results.map((r) => perDelta(r[who]))),
    gapP99: median(results.map((r) => r[who].gapP99)),
    gapRatio: median(gapRatios),
    lost,
    eldP99: who === "baseline" ? NaN : median(results.map((r) => r[who].eld.p99)),
    messagesPerDelta: who === "baseline" ? NaN : median(results.map((r) => r[who].messages / r[who].deltas)),
  };
  summary.holds = summary.gapRatio <= maxGapRatio && lost === 0;
  return summary;
}

/**
 * Rows 12 (paced) and 13: the paced ladder for the SDK baseline, hub off and hub on. The ladder goes
 * on while either variant holds; a variant's count is its largest step with every smaller step held.
 */
export async function hubPacedLadder({
  baseline,
  off,
  on,
  rounds,
  ladder,
  deltas,
  rampMs,
  maxGapRatio,
  log,
  label = "hub",
}) {
  const processes = { baseline, off, on };
  const steps = [];
  for (const streams of ladder) {
    const load = {
      question: "bench:paced",
      concurrency: streams,
      rampMs,
      expectDeltas: deltas,
      keepGaps: true,
    };
    if (steps.length === 0) for (const who of orders[0]) await run(who, processes, load);
    const results = [];
    for (let round = 0; round < rounds; round++) {
      const r = {};
      for (const who of orders[round % orders.length]) r[who] = await run(who, processes, load);
      r.cpuRatio = perDelta(r.on) / perDelta(r.off);
      results.push(r);
      const gap = (who) =>
        `${r[who].gapP99.toFixed(1)} ms (${(r[who].gapP99 / r.baseline.gapP99).toFixed(2)}×)`;
      log(
        `  paced ×${streams} round ${round + 1}: CPU/delta sdk ${perDelta(r.baseline).toFixed(1)}, ${label} off ${perDelta(r.off).toFixed(1)}, on ${perDelta(r.on).toFixed(1)} µs (on/off ${r.cpuRatio.toFixed(2)}×); gap p99 sdk ${r.baseline.gapP99.toFixed(1)} ms, off ${gap("off")}, on ${gap("on")}; lost ${r.off.lost + r.off.failed}/${r.on.lost + r.on.failed}; ELD p99 off ${r.off.eld.p99.toFixed(1)}, on ${r.on.eld.p99.toFixed(1)} ms; messages per delta ${perMessage(r.off)}/${perMessage(r.on)}`,
      );
    }
    const step = {
      streams,
      baseline: summarize(results, "baseline", Infinity),
      off: summarize(results, "off", maxGapRatio),
      on: summarize(results, "on", maxGapRatio),
      cpuRatio: median(results.map((r) => r.cpuRatio)),
    };
    steps.push(step);
    if (!step.off.holds && !step.on.holds) break;
  }
  const held = (who) => {
    const firstFailure = steps.findIndex((step) => !step[who].holds);
    return (firstFailure < 0 ? steps : steps.slice(0, firstFailure)).at(-1)?.streams ?? 0;
  };
  return { steps, offHeld: held("off"), onHeld: held("on") };
}
