/**
 * Row 4: memory per open stream. Each round starts a fresh baseline process and a fresh service, warms
 * each up, measures RSS and heap after a forced GC, opens `streams` slow streams (one delta at once, then
 * one every 2 s) and measures again once every stream has its first delta. The difference per stream is
 * what one open stream costs: for the service, the client's HTTP/2 stream, the reply job and its watcher,
 * and the upstream request; for the baseline, the upstream request alone.
 */
import { setMaxListeners } from "node:events";
import { openSession, sendMessage } from "../lib/grpc-load.mjs";
import { median } from "../lib/stats.mjs";

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `count` slow streams, `parallel` at a time; resolves once each has its first delta or failed. */
async function openServiceStreams(service, count, parallel = 25) {
  const session = openSession(service.baseUrl);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  let opened = 0;
  const failures = [];
  const openOne = () =>
    new Promise((resolve) => {
      const onFirstDelta = () => {
        opened++;
        resolve();
      };
      void sendMessage(session, {
        userId: "bench-memory",
        text: "bench:slow",
        onFirstDelta,
        signal: controller.signal,
      }).then((result) => {
        if (Number.isNaN(result.ttft)) {
          failures.push(result.grpcStatus);
          resolve();
        }
      });
    });
  const queue = Array.from({ length: count }, () => openOne);
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (queue.length > 0) await queue.shift()();
    }),
  );
  return { opened, failures, close: () => (controller.abort(), session.destroy()) };
}

async function warmUp(service) {
  const session = openSession(service.baseUrl);
  for (let i = 0; i < 3; i++) {
    await Promise.all(
      Array.from({ length: 8 }, () => sendMessage(session, { userId: "bench-memory", text: "bench:ttft" })),
    );
  }
  session.close();
}

export async function memoryPerStream({
  startService,
  startBaseline,
  startReference,
  rounds,
  streams,
  log,
  heapDir,
}) {
  const results = [];
  // With --heap-snapshots: a snapshot beside each measurement, for heap-diff.mjs. Writing one costs
  // memory of its own, so the RSS figures of such a run are not the row's.
  const snapshot = (process, name) =>
    heapDir ? process.call("heapSnapshot", { path: `${heapDir}/${name}.heapsnapshot` }) : null;
  for (let round = 0; round < rounds; round++) {
    const result = {};
    const order =
      round % 2 === 0 ? ["baseline", "reference", "service"] : ["service", "reference", "baseline"];
    for (const who of order) {
      if (who === "reference") {
        if (!startReference) continue;
        const reference = await startReference();
        await warmUp(reference);
        const before = await reference.call("memory");
        await snapshot(reference, `reference-${round}-before`);
        const open = await openServiceStreams(reference, streams);
        await settle(500);
        result.reference = perStream(before, await reference.call("memory"), open.opened);
        await snapshot(reference, `reference-${round}-after`);
        open.close();
        await reference.stop();
        continue;
      }
      if (who === "baseline") {
        const baseline = await startBaseline();
        await baseline.call("streams", {
          question: "bench:ttft",
          batches: 3,
          concurrency: 8,
          expectDeltas: 5,
        });
        const before = await baseline.call("memory");
        await snapshot(baseline, `baseline-${round}-before`);
        const { opened } = await baseline.call("hold", { count: streams, question: "bench:slow" });
        await settle(500);
        const after = await baseline.call("memory");
        await snapshot(baseline, `baseline-${round}-after`);
        result.baseline = perStream(before, after, opened);
        await baseline.call("release");
        await baseline.stop();
      } else {
        const service = await startService();
        await warmUp(service);
        const before = await service.call("memory");
        await snapshot(service, `service-${round}-before`);
        const open = await openServiceStreams(service, streams);
        await settle(500);
        const after = await service.call("memory");
        await snapshot(service, `service-${round}-after`);
        result.service = perStream(before, after, open.opened);
        result.service.failures = open.failures.length;
        if (open.failures.length > 0) {
          log(
            `  ${open.failures.length} streams failed to open (grpc-status ${[...new Set(open.failures)].join(", ")}):`,
          );
          for (const line of service.problems().slice(-3)) log(`    ${line.slice(0, 300)}`);
        }
        open.close();
        await service.stop(true);
      }
    }
    result.ratio = result.service.rssKb / result.baseline.rssKb;
    if (result.reference) result.referenceRatio = result.reference.rssKb / result.baseline.rssKb;
    results.push(result);
    log(
      `  memory round ${round + 1}: RSS/stream sdk ${result.baseline.rssKb.toFixed(0)} KB, service ${result.service.rssKb.toFixed(0)} KB (${result.ratio.toFixed(2)}×); heap/stream ${result.baseline.heapKb.toFixed(0)} / ${result.service.heapKb.toFixed(0)} KB` +
        (result.reference
          ? `; minimal forwarder ${result.reference.rssKb.toFixed(0)} KB (heap ${result.reference.heapKb.toFixed(0)})`
          : ""),
    );
  }
  return {
    rounds: results,
    baselineKb: median(results.map((r) => r.baseline.rssKb)),
    serviceKb: median(results.map((r) => r.service.rssKb)),
    baselineHeapKb: median(results.map((r) => r.baseline.heapKb)),
    serviceHeapKb: median(results.map((r) => r.service.heapKb)),
    ratio: median(results.map((r) => r.ratio)),
    failures: results.reduce((sum, r) => sum + r.service.failures, 0),
    referenceKb: results[0].reference ? median(results.map((r) => r.reference.rssKb)) : NaN,
    referenceHeapKb: results[0].reference ? median(results.map((r) => r.reference.heapKb)) : NaN,
    referenceRatio: results[0].reference ? median(results.map((r) => r.referenceRatio)) : NaN,
  };
}

function perStream(before, after, opened) {
  if (!after.collected) throw new Error("the process was not started with --expose-gc");
  return {
    opened,
    rssKb: (after.rss - before.rss) / 1024 / opened,
    heapKb: (after.heapUsed - before.heapUsed) / 1024 / opened,
    rssMb: after.rss / 1024 / 1024,
  };
}
