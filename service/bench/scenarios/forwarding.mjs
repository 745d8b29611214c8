/**
 * Rows 2, 3 and 7: what forwarding costs the service per delta, how many paced streams one core holds,
 * and the event-loop delay at that load.
 *
 * The service (core 1) serves SendMessage streams to a lean gRPC client (core 0) and reads them from the
 * simulator (core 0). The baseline is the bare SDK loop on core 1 reading the same streams from the same
 * simulator. CPU per delta is process.cpuUsage() of the core-1 process over the whole load (every stream
 * started, stored and finished), divided by the deltas that reached the client.
 */
import { performance } from "node:perf_hooks";
import { openSession, sendMessage } from "../lib/grpc-load.mjs";
import { median, percentile } from "../lib/stats.mjs";

const userId = "bench-load";

/** `batches` × `concurrency` streams through the service, each batch ramped over `rampMs`. */
export async function serviceStreams(
  service,
  { question, batches = 1, concurrency, rampMs = 0, expectDeltas, keepGaps },
) {
  const session = openSession(service.baseUrl);
  const gaps = keepGaps ? [] : undefined;
  let deltas = 0;
  let messages = 0;
  let incomplete = 0;
  const started = performance.now();
  if (keepGaps) await service.call("eldStart");
  const cpuBefore = await service.call("cpu");
  for (let batch = 0; batch < batches; batch++) {
    const runs = [];
    for (let i = 0; i < concurrency; i++) {
      const delay = concurrency > 1 ? (rampMs * i) / (concurrency - 1) : 0;
      runs.push(
        new Promise((resolve) => setTimeout(resolve, delay))
          .then(() => sendMessage(session, { userId, text: question, gaps }))
          .then((result) => {
            deltas += result.deltas;
            messages += result.messages;
            if (!result.complete) incomplete++;
          }),
      );
    }
    await Promise.all(runs);
  }
  const cpuUs = (await service.call("cpu")) - cpuBefore;
  const eld = keepGaps ? await service.call("eldStop") : null;
  session.close();
  return {
    cpuUs,
    deltas,
    messages,
    failed: incomplete,
    lost: batches * concurrency * expectDeltas - deltas,
    wallMs: performance.now() - started,
    gapP50: gaps ? percentile(gaps, 50) : NaN,
    gapP99: gaps ? percentile(gaps, 99) : NaN,
    gapMax: gaps ? percentile(gaps, 100) : NaN,
    eld,
  };
}

export const perDelta = (run) => run.cpuUs / Math.max(1, run.deltas);

/**
 * Runs baseline and service alternately for `rounds` rounds (the order flips each round); a reference
 * forwarder, when given, runs between them and is reported beside them.
 */
async function interleaved({ service, baseline, reference, rounds, load, log, label, warmUp = true }) {
  if (warmUp) {
    // One unmeasured round first: every process has JIT-compiled this load's path before it counts.
    await baseline.call("streams", load);
    await serviceStreams(service, load);
    if (reference) await serviceStreams(reference, load);
  }
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0 ? ["baseline", "reference", "service"] : ["service", "reference", "baseline"];
    const result = {};
    for (const who of order) {
      if (who === "service") result.service = await serviceStreams(service, load);
      else if (who === "baseline") result.baseline = await baseline.call("streams", load);
      else if (reference) result.reference = await serviceStreams(reference, load);
    }
    result.cpuRatio = perDelta(result.service) / perDelta(result.baseline);
    result.gapRatio = result.service.gapP99 / result.baseline.gapP99;
    results.push(result);
    const { baseline: b, service: s } = result;
    log(
      `  ${label} round ${round + 1}: CPU/delta sdk ${perDelta(b).toFixed(1)} µs, service ${perDelta(s).toFixed(1)} µs (${result.cpuRatio.toFixed(2)}×)` +
        (load.keepGaps
          ? `; gap p99 sdk ${b.gapP99.toFixed(1)} ms, service ${s.gapP99.toFixed(1)} ms (${result.gapRatio.toFixed(2)}×); lost ${b.lost}/${s.lost}, failed ${b.failed}/${s.failed}; ELD p99 ${s.eld.p99.toFixed(1)} ms`
          : "") +
        (result.reference
          ? `; reference forwarder ${perDelta(result.reference).toFixed(1)} µs (${(perDelta(result.reference) / perDelta(b)).toFixed(2)}×), gap p99 ${result.reference.gapP99.toFixed(1)} ms`
          : ""),
    );
  }
  return {
    rounds: results,
    baselineCpu: median(results.map((r) => perDelta(r.baseline))),
    serviceCpu: median(results.map((r) => perDelta(r.service))),
    cpuRatio: median(results.map((r) => r.cpuRatio)),
    baselineGapP99: median(results.map((r) => r.baseline.gapP99)),
    serviceGapP99: median(results.map((r) => r.service.gapP99)),
    gapRatio: median(results.map((r) => r.gapRatio)),
    lost: results.reduce((sum, r) => sum + r.service.lost + r.service.failed, 0),
    baselineLost: results.reduce((sum, r) => sum + r.baseline.lost + r.baseline.failed, 0),
    eldP99: median(results.map((r) => r.service.eld?.p99 ?? NaN)),
    eldMax: Math.max(...results.map((r) => r.service.eld?.max ?? NaN)),
    referenceCpu: results[0].reference ? median(results.map((r) => perDelta(r.reference))) : NaN,
    referenceRatio: results[0].reference
      ? median(results.map((r) => perDelta(r.reference) / perDelta(r.baseline)))
      : NaN,
    referenceGapRatio: results[0].reference
      ? median(results.map((r) => r.reference.gapP99 / r.baseline.gapP99))
      : NaN,
  };
}

/** Row 2, instant: 8 concurrent streams × 1000 deltas, `batches` times per measurement. */
export function instantForwarding({ service, baseline, reference, rounds, batches, deltas, log }) {
  const load = { question: "bench:instant", batches, concurrency: 8, expectDeltas: deltas };
  return interleaved({ service, baseline, reference, rounds, load, log, label: "instant" });
}

/**
 * Rows 2 (paced), 3 and 7: paced streams at each step of `ladder` (stopping after the first step that
 * fails the gap rule). A step holds when, in the median over rounds, the service's gap p99 is within
 * `maxGapRatio` of the SDK's and no delta or stream was lost in any round.
 */
export async function pacedLadder({
  service,
  baseline,
  reference,
  referenceAt,
  rounds,
  ladder,
  deltas,
  rampMs,
  maxGapRatio,
  log,
}) {
  const steps = [];
  for (const streams of ladder) {
    const load = {
      question: "bench:paced",
      concurrency: streams,
      rampMs,
      expectDeltas: deltas,
      keepGaps: true,
    };
    const step = await interleaved({
      service,
      baseline,
      // From row 2's step up: where the service fails the gap rule, the floor's gap beside it says why.
      reference: referenceAt !== undefined && streams >= referenceAt ? reference : undefined,
      rounds,
      load,
      log,
      label: `paced ×${streams}`,
      warmUp: steps.length === 0 || streams === referenceAt,
    });
    step.streams = streams;
    step.holds = step.gapRatio <= maxGapRatio && step.lost === 0;
    steps.push(step);
    // The first step that fails ends the ladder, but never before row 2's step has been measured.
    if (!step.holds && streams >= (referenceAt ?? 0)) break;
  }
  // The count held: the largest step that holds with every smaller step holding too.
  const firstFailure = steps.findIndex((step) => !step.holds);
  const held = (firstFailure < 0 ? steps : steps.slice(0, firstFailure)).at(-1);
  return { steps, held: held?.streams ?? 0 };
}
