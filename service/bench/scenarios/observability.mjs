/**
 * Rows 17–19: what observability costs the service. Three services run side by side on core 1: plain
 * (no METRICS_PORT, no OTEL_EXPORTER_OTLP_ENDPOINT), metrics on (METRICS_PORT, scraped once a second as
 * a busy Prometheus would), and metrics plus tracing on (spans exported over OTLP/HTTP to a sink in this
 * process that reads and drops them, so the load client's core is not busy parsing). Rounds rotate the
 * order.
 *   17: CPU per delta, metrics on ÷ off (row 2's instant load: 8 streams × 1000 deltas, `batches` times)
 *   18: CPU per delta, metrics and tracing on ÷ off (same load)
 *   19: time to first token, tracing on − off (p50 over `ttftCount` one-at-a-time "bench:ttft" replies)
 */
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { openSession, sendMessage } from "../lib/grpc-load.mjs";
import { median, percentile } from "../lib/stats.mjs";
import { perDelta, serviceStreams } from "./forwarding.mjs";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** An OTLP/HTTP endpoint that accepts and drops every export, counting them. */
async function otlpSink() {
  let exports = 0;
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on("end", () => {
      exports++;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

/** Times `count` replies one at a time: each one's time to first delta, in ms. */
async function firstTokens(service, count) {
  const session = openSession(service.baseUrl);
  const times = [];
  for (let i = 0; i < count; i++) {
    const result = await sendMessage(session, { userId: "bench-obs", text: "bench:ttft" });
    if (result.complete) times.push(result.ttft);
  }
  session.close();
  return times;
}

/** Scrapes `url` every second until stopped (what a Prometheus with a 1 s interval costs). */
function scrapeEverySecond(url) {
  const timer = setInterval(
    () =>
      void fetch(url).then(
        (response) => response.text(),
        () => "",
      ),
    1_000,
  );
  return () => clearInterval(timer);
}

export async function observabilityOverhead({ startService, rounds, batches, deltas, ttftCount, log }) {
  const receiver = await otlpSink();
  const metricsPort = await freePort();
  const services = {};
  try {
    services.off = await startService({});
    services.metrics = await startService({ METRICS_PORT: String(metricsPort) });
    services.tracing = await startService({
      METRICS_PORT: String(await freePort()),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    const stopScraping = scrapeEverySecond(`http://127.0.0.1:${metricsPort}/metrics`);
    const load = { question: "bench:instant", batches, concurrency: 8, expectDeltas: deltas };
    const names = ["off", "metrics", "tracing"];
    for (const name of names) {
      await serviceStreams(services[name], load);
      await firstTokens(services[name], 20);
    }
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      const cpu = {};
      for (const name of order) cpu[name] = perDelta(await serviceStreams(services[name], load));
      const ttft = {};
      for (const name of round % 2 === 0 ? ["off", "tracing"] : ["tracing", "off"])
        ttft[name] = percentile(await firstTokens(services[name], ttftCount), 50);
      const result = {
        cpu,
        metricsRatio: cpu.metrics / cpu.off,
        tracingRatio: cpu.tracing / cpu.off,
        ttft,
        addedP50: ttft.tracing - ttft.off,
      };
      perRound.push(result);
      log(
        `  round ${round + 1}: CPU/delta off ${cpu.off.toFixed(1)} µs, metrics ${cpu.metrics.toFixed(1)} µs (${result.metricsRatio.toFixed(2)}×), +tracing ${cpu.tracing.toFixed(1)} µs (${result.tracingRatio.toFixed(2)}×); TTFT p50 off ${ttft.off.toFixed(2)} ms, tracing ${ttft.tracing.toFixed(2)} ms`,
      );
    }
    stopScraping();
    return {
      rounds: perRound,
      offCpu: median(perRound.map((r) => r.cpu.off)),
      metricsCpu: median(perRound.map((r) => r.cpu.metrics)),
      tracingCpu: median(perRound.map((r) => r.cpu.tracing)),
      metricsRatio: median(perRound.map((r) => r.metricsRatio)),
      tracingRatio: median(perRound.map((r) => r.tracingRatio)),
      offTtftP50: median(perRound.map((r) => r.ttft.off)),
      tracingTtftP50: median(perRound.map((r) => r.ttft.tracing)),
      addedP50: median(perRound.map((r) => r.addedP50)),
      exportsReceived: receiver.exports(),
    };
  } finally {
    for (const service of Object.values(services)) await service.stop();
    await receiver.close();
  }
}

/** Rows 17–19 as table rows (the report's columns: #, measure, baseline (same run), baseline, Parley, result, goal, met). */
export function observabilityRows(r, goals) {
  if (!r) return [];
  const off = "the same service with metrics and tracing off";
  const met = (ok) => (ok ? "yes" : "**no**");
  return [
    [
      "17",
      "service CPU per forwarded delta, metrics on (scraped every second), tracing off — instant load",
      off,
      `${r.offCpu.toFixed(1)} µs`,
      `${r.metricsCpu.toFixed(1)} µs`,
      `${r.metricsRatio.toFixed(2)}×`,
      `≤ ${goals.metricsCpuRatio}×`,
      met(r.metricsRatio <= goals.metricsCpuRatio),
    ],
    [
      "18",
      "service CPU per forwarded delta, metrics and tracing on (OTLP/HTTP export) — instant load",
      off,
      `${r.offCpu.toFixed(1)} µs`,
      `${r.tracingCpu.toFixed(1)} µs`,
      `${r.tracingRatio.toFixed(2)}×`,
      `≤ ${goals.tracingCpuRatio}×`,
      met(r.tracingRatio <= goals.tracingCpuRatio),
    ],
    [
      "19",
      "time to first token p50 with tracing on, one reply at a time",
      off,
      `${r.offTtftP50.toFixed(2)} ms`,
      `${r.tracingTtftP50.toFixed(2)} ms`,
      `${r.addedP50 >= 0 ? "+" : ""}${r.addedP50.toFixed(2)} ms`,
      `≤ +${goals.tracingAddedP50} ms`,
      met(r.addedP50 <= goals.tracingAddedP50),
    ],
  ];
}
