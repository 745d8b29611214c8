/**
 * Preloaded into the service under test (`node --import ./bench/probe.mjs dist/main.js`): answers the
 * orchestrator's questions over IPC — CPU time used, memory after a forced GC, event-loop delay — and
 * does nothing else. It adds no work per request: the service runs exactly as `npm start` runs it.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { writeHeapSnapshot } from "node:v8";
import { serveRpc } from "./lib/ipc.mjs";
import { measureMemory } from "./lib/memory.mjs";

let histogram = null;

const serving = serveRpc({
  /** User + system CPU µs of the whole process (every thread) so far. */
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
  memory: () => measureMemory(),
  /** A V8 heap snapshot written to `path` (row 4 with --heap-snapshots; see heap-diff.mjs). */
  heapSnapshot: ({ path }) => writeHeapSnapshot(path),
  eldStart: () => {
    histogram?.disable();
    histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
  },
  /** Event-loop delay since eldStart, in ms. */
  eldStop: () => {
    histogram.disable();
    const ms = (ns) => ns / 1e6;
    return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
  },
});
// The channel must not keep the service alive on its own: it exits on SIGTERM as it always does.
if (serving) process.channel?.unref();
