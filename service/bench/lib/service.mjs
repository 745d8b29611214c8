/**
 * The service under test: the built `dist/main.js`, started as `npm start` starts it, pinned to its core,
 * with the probe preloaded so the orchestrator can read its CPU time, memory and event-loop delay.
 * The simulator is its OpenAI (OPENAI_BASE_URL), the run's database its store.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchToken } from "./grpc-load.mjs";
import { rpcClient } from "./ipc.mjs";
import { spawnNode, stopChild, waitForOutput } from "./processes.mjs";

export const mainScript = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
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
    // The load client multiplexes up to 1 000 streams on one connection, as the web BFF does: room for all.
    HTTP2_MAX_CONCURRENT_STREAMS: "5000",
    ...extra,
  };
}

/** A directory with no `.env` (main.js reads `.env` and `../.env` from its working directory). */
export function emptyWorkingDirectory() {
  return mkdtempSync(join(tmpdir(), "parley-bench-"));
}

export async function startService({ core = 1, simulatorUrl, databaseUrl, extra, cpuProfileDir }) {
  const args = ["--expose-gc", "--import", probe];
  if (cpuProfileDir) args.push("--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`);
  args.push(mainScript);
  const child = spawnNode(core, args, {
    env: serviceEnv({ simulatorUrl, databaseUrl, extra }),
    cwd: emptyWorkingDirectory(),
  });
  const [, port] = await waitForOutput(child, /"port":(\d+)/);
  const call = rpcClient(child);
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    call,
    /** Warnings and errors the service logged (it logs nothing per request when all is well). */
    problems: () => child.output.stderr.filter((line) => /"level":"(warn|error)"/.test(line)),
    /** Graceful stop (SIGTERM), or a kill when `hard`. */
    stop: (hard = false) => stopChild(child, hard ? "SIGKILL" : "SIGTERM"),
  };
}
