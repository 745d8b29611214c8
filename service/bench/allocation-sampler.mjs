/**
 * Preloaded into a service under a benchmark to see what it allocates, garbage included — the V8
 * sampling heap profiler keeps only what is still alive unless told to keep what the collector freed:
 *
 *   BENCH_SERVICE_NODE_ARGS="--import $PWD/bench/allocation-sampler.mjs" node bench/turn-cost.mjs --turns=1500 --rounds=1
 *   node bench/allocation-top.mjs /tmp/parley-allocations-<pid>.json <turns in the window>
 *
 * It waits `ALLOCATION_SAMPLE_DELAY_MS` (default 6 s: start-up and warm-up), samples for
 * `ALLOCATION_SAMPLE_MS` (default 6 s), then writes the profile. A turn's count in the window is the
 * window over turn-cost's wall time per turn.
 */
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";

const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );

setTimeout(
  async () => {
    await post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    setTimeout(
      async () => {
        const { profile } = await post("HeapProfiler.stopSampling");
        const path = `/tmp/parley-allocations-${process.pid}.json`;
        writeFileSync(path, JSON.stringify(profile));
        console.error(`allocation profile: ${path}`);
      },
      Number(process.env.ALLOCATION_SAMPLE_MS ?? 6_000),
    ).unref();
  },
  Number(process.env.ALLOCATION_SAMPLE_DELAY_MS ?? 6_000),
).unref();
