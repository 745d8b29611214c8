/**
 * The service under test: the built `dist/main.js`, started as `npm start` starts it, pinned to its core,
 * with the probe preloaded so the orchestrator can read its CPU time, memory and event-loop delay.
 * The simulator is its OpenAI (OPENAI_BASE_URL), the run's database its store; its working directory
 * is an empty one, so no `.env` is read.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServiceProcess } from "@parley/test-support";
import { benchToken } from "./grpc-load.mjs";
import { rpcClient } from "./ipc.mjs";
import { pinnedTo } from "./processes.mjs";

const probe = new URL("../probe.mjs", import.meta.url).href;

/** The environment of a production start, pointed at the simulator and the run's database. */
export function serviceEnv({ simulatorUrl, databaseUrl, port = 0, extra = {} }) {
  return {
    PATH: process.env.PATH ?? "",
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: simulatorUrl,
    AUTH_TOKEN: benchToken,
    // Background title requests would add load the scenarios do not measure.
    TITLE_MODEL: "off",
    // The load client multiplexes up to 1 000 streams on one connection, as the web BFF does: room for all.
    HTTP2_MAX_CONCURRENT_STREAMS: "5000",
    // The load scenarios send as one user, far over the per-user limits: off, so they measure the service.
    LIMIT_CONCURRENT_REPLIES: "0",
    LIMIT_MESSAGES_PER_MINUTE: "0",
    // Admission control would refuse the ladders' streams beyond its maximum: off, except in row 20.
    MAX_LIVE_REPLIES: "0",
    ...extra,
  };
}

/** A directory with no `.env` (main.js reads `.env` and `../.env` from its working directory). */
export function emptyWorkingDirectory() {
  return mkdtempSync(join(tmpdir(), "parley-bench-"));
}

/**
 * `script`: another build's `dist/main.js` (row 22's baseline); default this tree's. Extra node flags for
 * the service come from `BENCH_SERVICE_NODE_ARGS` (space-separated; e.g. `--import` of
 * allocation-sampler.mjs).
 */
export async function startService({ core = 1, simulatorUrl, databaseUrl, extra, cpuProfileDir, script }) {
  const nodeArgs = [
    "--expose-gc",
    "--import",
    probe,
    ...(process.env.BENCH_SERVICE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
  ];
  if (cpuProfileDir) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`);
  const service = await startServiceProcess({
    env: serviceEnv({ simulatorUrl, databaseUrl, extra }),
    nodeArgs,
    launcher: pinnedTo(core),
    ipc: true,
    timeoutMs: 15_000,
    script,
  });
  const call = rpcClient(service.child);
  return {
    child: service.child,
    baseUrl: service.baseUrl,
    call,
    /** Warnings and errors the service logged (it logs nothing per request when all is well). */
    problems: () =>
      service
        .output()
        .split("\n")
        .filter((line) => /"level":"(warn|error)"/.test(line)),
    /** Graceful stop (SIGTERM), or a kill when `hard`. */
    stop: (hard = false) => service.stop(hard ? "SIGKILL" : "SIGTERM"),
  };
}
