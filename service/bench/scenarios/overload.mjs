/**
 * Row 20 (issue #15 called it "row 13"): graceful degradation under overload. The service runs with
 * admission control at `capacity` live replies (MAX_LIVE_REPLIES = what row 3 says one core holds) and is
 * offered twice that many paced streams at row 3's arrival rate (`capacity` per `rampMs`, so the offered
 * ramp is twice as long): the first `capacity` arrive as row 3's and the SDK baseline's do, and the rest
 * arrive while those stream. It should accept about `capacity`, refuse the rest at once with UNAVAILABLE
 * `server.overloaded` (nothing written, nothing sent upstream), and keep the accepted streams' pace: their
 * gap p99 against the bare SDK's at `capacity` streams, ramped the same (goal ≤ 2×). Meanwhile a health
 * `Check` every 100 ms and the service's event-loop delay are measured (goals p99 ≤ 100 ms each).
 *
 * `burst`: the whole offer inside one `rampMs` instead (twice row 3's arrival rate), a stress shape
 * recorded in docs/benchmarks.md: the accepted streams then start twice as densely as the baseline's.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { openSession, sendMessage } from "../lib/grpc-load.mjs";
import { median, percentile } from "../lib/stats.mjs";

const userId = "bench-overload";
const unavailable = 14;

/** One unary grpc.health.v1.Health/Check (empty request: the whole server); resolves with its ms. */
function healthCheck(session) {
  const start = performance.now();
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Check",
      "content-type": "application/grpc+proto",
      te: "trailers",
    });
    stream.end(Buffer.alloc(5)); // one empty message
    stream.on("data", () => undefined);
    stream.on("error", () => undefined);
    stream.on("close", () => resolve(performance.now() - start));
  });
}

/** `streams` paced SendMessage streams ramped over `rampMs`; health checked every 100 ms meanwhile. */
async function offered(service, { streams, rampMs, deltas }) {
  const session = openSession(service.baseUrl);
  const healthSession = openSession(service.baseUrl);
  const gaps = [];
  const health = [];
  const refusalMs = [];
  let accepted = 0;
  let refused = 0;
  let other = 0;
  let lost = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      health.push(await healthCheck(healthSession));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await service.call("eldStart");
  // The measuring client's own loop delay: a health check's time includes it, so it is reported.
  const clientEld = monitorEventLoopDelay({ resolution: 10 });
  clientEld.enable();
  const runs = [];
  for (let i = 0; i < streams; i++) {
    const delay = streams > 1 ? (rampMs * i) / (streams - 1) : 0;
    runs.push(
      new Promise((resolve) => setTimeout(resolve, delay)).then(async () => {
        const start = performance.now();
        const result = await sendMessage(session, { userId, text: "bench:paced", gaps });
        if (result.replyId) {
          accepted++;
          if (!result.complete || result.deltas !== deltas) lost++;
        } else if (result.grpcStatus === unavailable) {
          refused++;
          refusalMs.push(performance.now() - start);
        } else other++;
      }),
    );
  }
  await Promise.all(runs);
  const eld = await service.call("eldStop");
  clientEld.disable();
  probing = false;
  await probe;
  session.close();
  healthSession.close();
  return {
    accepted,
    refused,
    other,
    lost,
    gapP99: percentile(gaps, 99),
    refusalP50: percentile(refusalMs, 50),
    refusalP99: percentile(refusalMs, 99),
    healthP99: percentile(health, 99),
    eldP99: eld.p99,
    eldMax: eld.max,
    clientEldP99: clientEld.percentile(99) / 1e6,
  };
}

/** Row 20: `rounds` rounds of the SDK at `capacity` streams and the service offered 2 × `capacity`. */
export async function overloadRow({ service, baseline, capacity, deltas, rampMs, rounds, burst, log }) {
  const sdkLoad = {
    question: "bench:paced",
    concurrency: capacity,
    rampMs,
    expectDeltas: deltas,
    keepGaps: true,
  };
  const offer = { streams: 2 * capacity, rampMs: burst ? rampMs : 2 * rampMs, deltas };
  // One unmeasured round each: both processes have JIT-compiled the path before it counts.
  await baseline.call("streams", sdkLoad);
  await offered(service, offer);
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const sdk = await baseline.call("streams", sdkLoad);
    const parley = await offered(service, offer);
    const gapRatio = parley.gapP99 / sdk.gapP99;
    results.push({ sdk, parley, gapRatio });
    log(
      `  overload round ${round + 1}: offered ${2 * capacity}, accepted ${parley.accepted}, refused ${parley.refused}` +
        ` (p50 ${parley.refusalP50.toFixed(1)} ms), other ${parley.other}, lost ${parley.lost};` +
        ` gap p99 sdk ${sdk.gapP99.toFixed(1)} ms, accepted ${parley.gapP99.toFixed(1)} ms (${gapRatio.toFixed(2)}×);` +
        ` health p99 ${parley.healthP99.toFixed(1)} ms; ELD p99 ${parley.eldP99.toFixed(1)} ms (max ${parley.eldMax.toFixed(1)});` +
        ` the client's own ELD p99 ${parley.clientEldP99.toFixed(1)} ms`,
    );
  }
  const m = (pick) => median(results.map(pick));
  return {
    capacity,
    offered: 2 * capacity,
    offeredOverMs: offer.rampMs,
    rounds,
    accepted: m((r) => r.parley.accepted),
    refused: m((r) => r.parley.refused),
    other: results.reduce((sum, r) => sum + r.parley.other + r.parley.lost, 0),
    refusalP50: m((r) => r.parley.refusalP50),
    refusalP99: m((r) => r.parley.refusalP99),
    sdkGapP99: m((r) => r.sdk.gapP99),
    gapP99: m((r) => r.parley.gapP99),
    gapRatio: m((r) => r.gapRatio),
    healthP99: m((r) => r.parley.healthP99),
    eldP99: m((r) => r.parley.eldP99),
  };
}

/** The report's rows for row 20. */
export function overloadRows(r, goals) {
  if (!r) return [];
  const yes = (ok) => (ok ? "yes" : "**no**");
  const admission = `MAX_LIVE_REPLIES=${r.capacity}, ${r.offered} paced streams offered over ${r.offeredOverMs / 1000} s`;
  return [
    [
      "20",
      "overload: new streams accepted / refused (UNAVAILABLE server.overloaded, median time to refusal)",
      admission,
      "–",
      `${r.accepted} / ${r.refused} (${r.refusalP50.toFixed(1)} ms)`,
      `${r.other} failed or lost`,
      `≤ ${r.capacity} accepted, the rest refused at once`,
      yes(r.other === 0 && r.accepted <= r.capacity && r.refused > 0),
    ],
    [
      "20",
      "overload: gap p99 of the accepted streams",
      `the SDK at ${r.capacity} streams`,
      `${r.sdkGapP99.toFixed(1)} ms`,
      `${r.gapP99.toFixed(1)} ms`,
      `${r.gapRatio.toFixed(2)}×`,
      `≤ ${goals.overloadGapRatio}×`,
      yes(r.gapRatio <= goals.overloadGapRatio),
    ],
    [
      "20",
      "overload: health Check p99 / event-loop delay p99",
      "–",
      "–",
      `${r.healthP99.toFixed(1)} ms / ${r.eldP99.toFixed(1)} ms`,
      "–",
      `≤ ${goals.overloadP99Ms} ms each`,
      yes(r.healthP99 <= goals.overloadP99Ms && r.eldP99 <= goals.overloadP99Ms),
    ],
  ];
}

export const overloadMarkers = { start: "<!-- bench:overload:start -->", end: "<!-- bench:overload:end -->" };
