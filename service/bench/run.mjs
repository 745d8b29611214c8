/**
 * `npm run bench`: Parley's benchmark suite (docs/benchmarks.md explains every row). Loopback only,
 * bounded: every load is fixed in size, and the whole run gives up after BENCH_TIMEOUT_MS (10 min).
 *
 *   node bench/run.mjs [--quick] [--rows=1,2,...] [--profile] [--no-write]
 *
 * --quick    1 round of everything, smaller loads: a smoke run (the figures are not for the docs)
 * --rows     run only these rows of the table
 * --profile  write a V8 CPU profile of the service under load to bench/profiles/ (see profile-top.mjs)
 * --no-reference  skip the minimal Connect forwarder (SDK in, connect-node out, nothing else) that
 *                 otherwise runs beside row 2 as the floor any Connect service pays
 * --no-write print the table but leave docs/benchmarks.md alone
 * --heap-snapshots  row 4 also writes V8 heap snapshots before and after opening its streams, for each
 *                   process, to bench/profiles/heap/ (compare them with heap-diff.mjs)
 * --ladder=100,150  the paced stream counts to try (default 50,100,150,200,250,300; the first that
 *                   fails ends the ladder; 100 is also row 2's paced measurement; row 13 starts at 100)
 * --rounds=N        rounds per row (default 3, row 20 5; 1 with --quick)
 * --overload-burst  row 20 offers its streams at twice row 3's arrival rate (all within one ramp)
 *                   instead of at row 3's rate: a stress shape, not the row's goal
 * --rows=21          only when named: backpressure-aware coalescing off vs on (REPLY_COALESCE_MS=0 vs 16)
 *                    under rows 2 and 3's loads, two services interleaved as in rows 12 and 13
 * --rows=22          only when named: row 1 with the model call after the turn's commit vs with it
 *                    (MODEL_CALL_AFTER_COMMIT=true vs false), two services and the SDK interleaved
 * --rows=23 --base-build=<other tree>/service/dist/main.js
 *                    only when named: row 21's A/B, another build (e.g. main before a change) vs this one
 * --rows=24 --base-build=<other tree>/service/dist/main.js [--this-build=<a build in place of this one>]
 *                    only when named: row 22's A/B of row 1's turn, another build vs this one
 *
 * Processes: this one (the load client) and the simulator on core 0; the process under test — the
 * service, or the bare `openai` SDK baseline — on core 1, pinned with taskset when available.
 * Rows 11–14 run the service with its Redis hub on (BENCH_REDIS_URL, else REDIS_URL, else
 * 127.0.0.1:6379; a key prefix per run, removed at the end): both replicas of rows 11 and 14, and the
 * hub-off and hub-on services of rows 12 and 13, on core 1. Redis itself is not pinned.
 * The doc's table of rows 1–10 is rewritten only by a full default run; the section of rows 11–14 by any
 * run of all four of them with default settings (`--rows=11,12,13,14` included); row 15's (search, in
 * its own database of 100 000 messages) by any default run that includes it; row 20's (overload:
 * admission control at MAX_LIVE_REPLIES = row 3's 100 streams, offered 200) likewise.
 */
import { execSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createBenchDatabase, dropBenchDatabase, serverUrl } from "./lib/database.mjs";
import { rpcClient } from "./lib/ipc.mjs";
import { canPin, pinSelf, spawnNode, stopChild, waitForOutput } from "./lib/processes.mjs";
import { benchRedis } from "./lib/redis.mjs";
import {
  limitsMarkers,
  limitsRows,
  markdownTable,
  replicaMarkers,
  replicaRows,
  tableRows,
  textTable,
  writeResults,
} from "./lib/report.mjs";
import { startService } from "./lib/service.mjs";
import { webBffRow } from "./scenarios/web-bff.mjs";
import { coldStart } from "./scenarios/cold-start.mjs";
import { instantForwarding, pacedLadder } from "./scenarios/forwarding.mjs";
import { hubInstantCpu, hubPacedLadder } from "./scenarios/redis-hub.mjs";
import { stopOnOtherReplica, watchOnOtherReplica } from "./scenarios/replicas.mjs";
import { memoryPerStream } from "./scenarios/memory.mjs";
import { renderSearchSection, searchMarkers, searchRow } from "./scenarios/search.mjs";
import { observabilityOverhead, observabilityRows } from "./scenarios/observability.mjs";
import { overloadMarkers, overloadRow, overloadRows } from "./scenarios/overload.mjs";
import {
  addedTimeToFirstToken,
  pairedTimeToFirstToken,
  constantWindow,
  limitsTimeToFirstToken,
  referencePrompts,
  timeToFirstTokenBreakdown,
  timeToFirstTokenByLength,
} from "./scenarios/time-to-first-token.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const rowsArg = args.find((arg) => arg.startsWith("--rows="));
const only = rowsArg ? new Set(rowsArg.slice(7).split(",")) : null;
const want = (row) => !only || only.has(String(row));
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const settings = {
  rounds: Number(option("rounds") ?? (quick ? 1 : 3)),
  ttftPerRound: quick ? 40 : 200,
  lengthPerRound: quick ? 20 : 60,
  chatSizes: [10, 1_000, 100_000],
  /** Row 5's branched chats, switched to a middle branch: 1 000 messages in 10, 100 000 in 1 000. */
  branchedChat: {
    branchedSmall: { branches: 10, perBranch: 100, activeBranch: 5 },
    branched: { branches: 1_000, perBranch: 100, activeBranch: 500 },
  },
  instantDeltas: 1_000,
  instantBatches: quick ? 2 : 6,
  pacedDeltas: quick ? 50 : 150,
  paceMs: 20,
  rampMs: 1_000,
  ladder: option("ladder")?.split(",").map(Number) ?? (quick ? [50, 100] : [50, 100, 150, 200, 250, 300]),
  memoryStreams: quick ? 300 : 1_000,
  coldStarts: quick ? 2 : 5,
  bffPerRound: quick ? 20 : 100,
  bffStreams: quick ? 20 : 50,
  watchPerRound: quick ? 30 : 200,
  stopsPerRound: quick ? 10 : 50,
  // Row 13 starts at the step row 3 held (100) and climbs while the hub-off or hub-on service holds.
  // Row 20: admission at what row 3 holds (100 paced streams per core), offered twice that.
  overloadCapacity: quick ? 25 : 100,
  // Its p99s move more from round to round than the other rows' figures: five rounds unless told.
  overloadRounds: Number(option("rounds") ?? (quick ? 1 : 5)),
  hubLadder: option("ladder")?.split(",").map(Number) ?? (quick ? [100] : [100, 150, 200, 250, 300]),
};
const goals = {
  addedP50: 3,
  addedP99: 20,
  instantCpu: 2.0,
  pacedCpu: 1.8,
  pacedCpuStreams: 100,
  maxGapRatio: 1.5,
  streams: 150,
  streamsStretch: 250,
  memoryRatio: 1.8,
  memoryKb: 250,
  lengthRatio: 1.2,
  tokenizerMs: 50,
  eldMs: 20,
  coldStartMs: 1_000,
  bffAddedP50: 3,
  bffCpuRatio: 1.5,
  watchAddedP50: 2,
  hubCpuRatio: 1.25,
  hubStreamsShare: 0.8,
  stopP99: 200,
  limitsAddedP50: 1,
  searchP50Ms: 50,
  metricsCpuRatio: 1.05,
  tracingCpuRatio: 1.15,
  tracingAddedP50: 0.5,
  overloadGapRatio: 2,
  overloadP99Ms: 100,
};

const log = (line) => process.stdout.write(`${line}\n`);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
const children = new Set();
const track = (child) => (children.add(child), child);

function machine() {
  const model = cpus()[0]?.model?.trim() ?? "unknown";
  let uptime = "";
  try {
    uptime = execSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    uptime = `load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(", ")}`;
  }
  return { cores: availableParallelism(), model, node: process.version, uptime, pinned: canPin() };
}

function heapSnapshotDir() {
  const dir = here("./profiles/heap");
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startSimulator() {
  const child = track(
    spawnNode(0, [here("./simulator-process.mjs")], {
      env: {
        PATH: process.env.PATH ?? "",
        PACED_DELTAS: String(settings.pacedDeltas),
        INSTANT_DELTAS: String(settings.instantDeltas),
        PACE_MS: String(settings.paceMs),
      },
    }),
  );
  const [, url] = await waitForOutput(child, /listening (\S+)/);
  return { child, url, call: rpcClient(child) };
}

async function startBaseline(simulatorUrl) {
  const child = track(
    spawnNode(1, ["--expose-gc", here("./sdk-baseline.mjs")], {
      env: { PATH: process.env.PATH ?? "", SIMULATOR_URL: simulatorUrl },
    }),
  );
  const call = rpcClient(child);
  await call("cpu");
  return { child, call, stop: () => stopChild(child) };
}

/** The forwarder's prompts (see minimal-forwarder.mjs), in a file of this run's own. */
function promptsFile() {
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "prompts.json");
  writeFileSync(path, JSON.stringify(referencePrompts()));
  return path;
}

async function startReference(simulatorUrl) {
  const child = track(
    spawnNode(
      1,
      [
        "--expose-gc",
        "--import",
        new URL("./probe.mjs", import.meta.url).href,
        ...(args.includes("--profile")
          ? ["--cpu-prof", `--cpu-prof-dir=${here("./profiles/reference")}`]
          : []),
        here("./minimal-forwarder.mjs"),
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          OPENAI_BASE_URL: simulatorUrl,
          FORWARDER_PROMPTS: promptsFile(),
        },
      },
    ),
  );
  const [, port] = await waitForOutput(child, /"port":(\d+)/);
  return { child, baseUrl: `http://127.0.0.1:${port}`, call: rpcClient(child), stop: () => stopChild(child) };
}

async function breakdown(common, database, chatId) {
  const child = track(
    spawnNode(1, [here("./ttft-breakdown.mjs")], {
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: common.databaseUrl,
        SIMULATOR_URL: common.simulatorUrl,
      },
    }),
  );
  try {
    const [, port] = await waitForOutput(child, /"port":(\d+)/);
    const service = { baseUrl: `http://127.0.0.1:${port}`, call: rpcClient(child) };
    const phases = await timeToFirstTokenBreakdown({
      service,
      database,
      chatId,
      count: settings.ttftPerRound,
    });
    const { timeline, ...times } = phases;
    log(
      `  ${Object.entries(times)
        .map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`)
        .join(", ")}`,
    );
    log(`  from the first query: ${timelineText(timeline)}`);
    return phases;
  } finally {
    await stopChild(child);
  }
}

/** Row 1's turn from its first query: when each statement went out and how long until its result. */
function timelineText(timeline) {
  return timeline
    .map(({ name, at, took }) =>
      took === null ? `${name} at ${at.toFixed(2)}` : `${name} at ${at.toFixed(2)} (+${took.toFixed(2)})`,
    )
    .join(", ");
}

async function main() {
  const started = Date.now();
  const results = { settings, machine: machine() };
  pinSelf(0);
  log(
    `Parley benchmarks — ${results.machine.cores} cores, ${results.machine.model}, Node ${results.machine.node}`,
  );
  log(
    `${results.machine.uptime}${results.machine.pinned ? "" : "  (taskset unavailable: processes are not pinned)"}`,
  );
  if (quick) log("--quick: one round, smaller loads — a smoke run, not figures for the docs");

  const database = await createBenchDatabase();
  const simulator = await startSimulator();
  const common = { simulatorUrl: simulator.url, databaseUrl: database.url };
  const cpuProfileDir = args.includes("--profile") ? here("./profiles") : undefined;
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    process.env.BENCH_PROFILE_DIR = cpuProfileDir;
  }
  try {
    if (want(8)) {
      log("row 8: cold start");
      results.coldStart = await coldStart({ ...common, runs: settings.coldStarts, log });
    }
    if ([1, 2, 3, 7].some(want)) {
      const extra = process.env.BENCH_SERVICE_ENV ? JSON.parse(process.env.BENCH_SERVICE_ENV) : undefined;
      const serviceStartedAt = performance.now();
      const service = await startService({ ...common, cpuProfileDir, extra });
      track(service.child);
      // With --profile: where each phase starts in the service's profile (profile-top.mjs's window).
      const phase = (name) =>
        cpuProfileDir &&
        log(
          `  (${name} starts ${((performance.now() - serviceStartedAt) / 1000).toFixed(1)} s into the profile)`,
        );
      const baseline = await startBaseline(simulator.url);
      const reference = args.includes("--no-reference") ? undefined : await startReference(simulator.url);
      const load = { service, baseline, reference, rounds: settings.rounds, log };
      if (want(1)) {
        log("row 1: added time to first token");
        results.ttft = await addedTimeToFirstToken({ ...load, database, perRound: settings.ttftPerRound });
      }
      if (want(2)) {
        log("row 2: CPU per delta, instant");
        phase("instant");
        results.instant = await instantForwarding({
          ...load,
          batches: settings.instantBatches,
          deltas: settings.instantDeltas,
        });
      }
      if ([2, 3, 7].some(want)) {
        log("rows 2, 3, 7: paced streams");
        phase("paced");
        results.paced = await pacedLadder({
          ...load,
          ladder: settings.ladder,
          referenceAt: goals.pacedCpuStreams,
          deltas: settings.pacedDeltas,
          rampMs: settings.rampMs,
          maxGapRatio: goals.maxGapRatio,
        });
      }
      results.serviceProblems = service.problems();
      await reference?.stop();
      await baseline.stop();
      await service.stop();
      if (results.ttft) {
        log("row 1: where the added time goes");
        results.breakdown = await breakdown(common, database, results.ttft.chatId).catch((error) => {
          log(`  breakdown unavailable: ${error.message}`);
          return null;
        });
      }
    }
    if (want(5)) {
      log("row 5: time to first token by chat length");
      const { message, contextWindow } = constantWindow();
      const service = await startService({
        ...common,
        extra: { MODEL_CONTEXT_TOKENS: String(contextWindow) },
      });
      track(service.child);
      results.lengths = await timeToFirstTokenByLength({
        service,
        database,
        message,
        sizes: settings.chatSizes,
        branched: settings.branchedChat,
        rounds: settings.rounds,
        perRound: settings.lengthPerRound,
        log,
      });
      results.lengths.contextWindow = contextWindow;
      await service.stop();
    }
    if (want(4)) {
      log("row 4: memory per open stream");
      results.memory = await memoryPerStream({
        startService: async () => {
          const service = await startService(common);
          track(service.child);
          return service;
        },
        startBaseline: () => startBaseline(simulator.url),
        startReference: args.includes("--no-reference") ? undefined : () => startReference(simulator.url),
        rounds: settings.rounds,
        streams: settings.memoryStreams,
        log,
        heapDir: args.includes("--heap-snapshots") ? heapSnapshotDir() : undefined,
      });
    }
    if (want(6)) {
      log("row 6: worst tokenizer call");
      const child = track(
        spawnNode(1, [here("./tokenizer-worst.mjs")], { env: { PATH: process.env.PATH ?? "" }, ipc: false }),
      );
      const [line] = await waitForOutput(child, /^\{.*\}$/m, 120_000);
      results.tokenizer = JSON.parse(line);
      await child.exited;
    }
    if (want(10)) {
      log("row 10: WhatsApp text path, worst inputs");
      const child = track(
        spawnNode(1, [here("./text-worst.mjs")], { env: { PATH: process.env.PATH ?? "" }, ipc: false }),
      );
      const [line] = await waitForOutput(child, /^\{.*\}$/m, 120_000);
      results.text = JSON.parse(line);
      await child.exited;
    }
    if ([11, 12, 13, 14].some(want)) await replicaRowsRun(common, simulator, results);
    if (want(16)) {
      log("row 16: time to first token, per-user limits on vs off");
      results.limits = await limitsRowRun(common, database);
    }
    if ([17, 18, 19].some(want)) {
      log("rows 17–19: the cost of metrics and tracing");
      results.observability = await observabilityOverhead({
        startService: async (extra) => {
          const service = await startService({ ...common, extra });
          track(service.child);
          return service;
        },
        rounds: settings.rounds,
        batches: settings.instantBatches,
        deltas: settings.instantDeltas,
        ttftCount: settings.ttftPerRound,
        log,
      });
    }
    if (want(9)) {
      log("row 9: the web BFF hop");
      results.bff = await webBffRow({
        startService: async () => {
          const service = await startService({ ...common, core: 0 });
          track(service.child);
          return service;
        },
        databaseServer: serverUrl(),
        dropDatabase: dropBenchDatabase,
        rounds: settings.rounds,
        perRound: settings.bffPerRound,
        streams: settings.bffStreams,
        deltas: settings.pacedDeltas,
        log,
      }).catch((error) => {
        log(`  the web BFF could not be measured: ${error.message}`);
        return { error: error.message };
      });
    }
    if (want(15)) await searchRowRun(common, results);
    // Opt-in (`--rows=21` to `24`): A/B runs of a setting or of two builds, not rows of the goals table.
    if (only?.has("21")) await coalescingRowRun(common, simulator, results);
    if (only?.has("22")) await earlyCallRowRun(common, simulator, database, results);
    if (only?.has("23")) await buildsRowRun(common, simulator, results);
    if (only?.has("24")) await buildsTimeToFirstTokenRun(common, simulator, database, results);
    if (want(20)) {
      log("row 20: overload (admission control at row 3's streams, offered twice as many)");
      const capacity = settings.overloadCapacity;
      const service = await startService({
        ...common,
        extra: { MAX_LIVE_REPLIES: String(capacity) },
        cpuProfileDir: cpuProfileDir && here("./profiles/overload"),
      });
      track(service.child);
      const baseline = await startBaseline(simulator.url);
      results.overload = await overloadRow({
        service,
        baseline,
        capacity,
        deltas: settings.pacedDeltas,
        rampMs: settings.rampMs,
        rounds: settings.overloadRounds,
        burst: args.includes("--overload-burst"),
        log,
      });
      await baseline.stop();
      await service.stop();
    }
  } finally {
    for (const child of children) await stopChild(child);
    await database.drop();
  }

  results.seconds = (Date.now() - started) / 1000;
  const rows = tableRows(results, goals);
  const hubRows = replicaRows(results, goals);
  const limitRows = limitsRows(results, goals);
  log("");
  const ran = (numbers) => numbers.some(want);
  const observability = observabilityRows(results.observability, goals);
  const overload = overloadRows(results.overload, goals);
  if (ran([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20])) {
    log(
      textTable([
        ...(ran([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) ? rows : []),
        ...(ran([11, 12, 13, 14]) ? hubRows : []),
        ...(ran([16]) ? limitRows : []),
        ...(ran([17, 18, 19]) ? observability : []),
        ...(ran([20]) ? overload : []),
      ]),
    );
  }
  log(`\nfinished in ${results.seconds.toFixed(0)} s`);
  if (results.serviceProblems?.length)
    log(
      `the service logged ${results.serviceProblems.length} warnings/errors:\n${results.serviceProblems.slice(0, 5).join("\n")}`,
    );
  const defaults =
    !args.includes("--no-write") &&
    !quick &&
    !option("ladder") &&
    !option("rounds") &&
    !args.includes("--overload-burst");
  const path = here("../../docs/benchmarks.md");
  if (defaults && !only) {
    writeResults(path, renderSection(results, rows));
    log(`wrote ${path} (rows 1–10)`);
  }
  if (results.search) {
    const section = renderSearchSection(results.search, results.machine.model, goals.searchP50Ms);
    log(`\n${section}`);
    if (defaults) {
      writeResults(path, section, searchMarkers);
      log(`wrote ${path} (row 15)`);
    }
  }
  if (defaults && want(20) && results.overload) {
    writeResults(path, renderOverloadSection(results, overload), overloadMarkers);
    log(`wrote ${path} (row 20)`);
  }
  if (defaults && [17, 18, 19].every(want) && results.observability) {
    writeResults(path, renderObservabilitySection(results, observability), observabilityMarkers);
    log(`wrote ${path} (rows 17–19)`);
  }
  if (defaults && [11, 12, 13, 14].every(want)) {
    writeResults(path, renderReplicaSection(results, hubRows), replicaMarkers);
    log(`wrote ${path} (rows 11–14)`);
  }
  if (defaults && want(16) && results.limits) {
    writeResults(path, renderLimitsSection(results, limitRows), limitsMarkers);
    log(`wrote ${path} (row 16)`);
  }
}

/**
 * Row 16: the default service environment turns the limits off (the load rows send as one user); the
 * "on" service sets every one, high enough that none is reached, so every send pays the whole check.
 */
const everyLimitOn = {
  LIMIT_CONCURRENT_REPLIES: "3",
  LIMIT_MESSAGES_PER_MINUTE: "1000000",
  LIMIT_DAILY_TOKENS: "1000000000000",
  LIMIT_MONTHLY_TOKENS: "1000000000000",
  LIMIT_MONTHLY_COST_MICROS: "1000000000000",
};

async function limitsRowRun(common, database) {
  const off = await startService(common);
  track(off.child);
  const on = await startService({ ...common, extra: everyLimitOn });
  track(on.child);
  try {
    return await limitsTimeToFirstToken({
      off,
      on,
      database,
      rounds: settings.rounds,
      perRound: settings.ttftPerRound,
      log,
    });
  } finally {
    await off.stop();
    await on.stop();
  }
}

function renderLimitsSection(results, rows) {
  const { machine: m, settings: s } = results;
  return [
    `Last run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`,
    "",
    `Machine: ${m.cores} cores (\`nproc\`), ${m.model}, Node ${m.node}; ${m.pinned ? "both services pinned to core 1, simulator and load client to core 0 (taskset)" : "not pinned (no taskset)"}.`,
    `Load when it started: \`${m.uptime}\`.`,
    "",
    `Command: \`node service/bench/run.mjs --rows=16\` (after \`npm run build -w service\`). ${s.rounds} interleaved rounds of ${s.ttftPerRound} sequential turns per service; every figure is the median over rounds.`,
    "",
    markdownTable(rows),
  ].join("\n");
}

/**
 * Row 22: row 1 with the model call started after the turn's commit against started with it: two
 * services on core 1, the same build and database (as row 16), and the SDK baseline, interleaved.
 */
async function earlyCallRowRun(common, simulator, database, results) {
  log("row 22: row 1 with the model call after the commit vs with it (MODEL_CALL_AFTER_COMMIT)");
  results.earlyCall = await pairedRowRun(
    {
      name: "after commit",
      userId: "bench-early-after",
      start: { ...common, extra: { MODEL_CALL_AFTER_COMMIT: "true" } },
    },
    {
      name: "with commit",
      userId: "bench-early-with",
      start: { ...common, extra: { MODEL_CALL_AFTER_COMMIT: "false" } },
    },
    simulator,
    database,
  );
}

/** Row 24: row 1 on another build (`--base-build`) vs this one, interleaved as row 22. */
async function buildsTimeToFirstTokenRun(common, simulator, database, results) {
  const script = option("base-build");
  if (!script) {
    log("row 24: needs --base-build=<path to the other build's service/dist/main.js>; not run");
    return;
  }
  log("row 24: row 1 on the base build vs this build");
  // `--this-build` swaps the roles (this tree's build as the base): the runner's order favours one side
  // (an A/A run of one build showed "this build" +1.66 ms at p50), so an A/B is run both ways.
  const thisBuild = option("this-build");
  results.buildsTtft = await pairedRowRun(
    { name: "base build", userId: "bench-builds-base", start: { ...common, script } },
    {
      name: "this build",
      userId: "bench-builds-this",
      start: thisBuild ? { ...common, script: thisBuild } : common,
    },
    simulator,
    database,
  );
}

/** Starts two services (`a`, `b`) and the SDK baseline, runs pairedTimeToFirstToken, logs it, stops them. */
async function pairedRowRun(a, b, simulator, database) {
  const services = [];
  for (const side of [a, b]) {
    const service = await startService(side.start);
    track(service.child);
    services.push(service);
  }
  const baseline = await startBaseline(simulator.url);
  try {
    const row = await pairedTimeToFirstToken({
      a: { name: a.name, service: services[0], userId: a.userId },
      b: { name: b.name, service: services[1], userId: b.userId },
      baseline,
      database,
      rounds: settings.rounds,
      perRound: settings.ttftPerRound,
      log,
    });
    const ms = (x) => `p50 ${x.p50.toFixed(2)} p99 ${x.p99.toFixed(2)} ms`;
    log(`  sdk ${ms(row.sdk)}; ${a.name} ${ms(row.a)}; ${b.name} ${ms(row.b)}`);
    log(`  added (service − sdk): ${a.name} ${ms(row.aAdded)}; ${b.name} ${ms(row.bAdded)}`);
    log(`  ${b.name} − ${a.name}: ${ms(row.gain)}`);
    const problems = services.flatMap((service) => service.problems());
    if (problems.length)
      log(`  the services logged ${problems.length} warnings/errors:\n${problems.slice(0, 5).join("\n")}`);
    return row;
  } finally {
    await baseline.stop();
    for (const service of services) await service.stop();
  }
}

/** Row 15: SearchChats on 100 000 stored messages, in a database of its own (dropped after). */
async function searchRowRun(common, results) {
  log("row 15: search over 100 000 stored messages");
  const database = await createBenchDatabase();
  try {
    results.search = await searchRow({
      database,
      startService: async () => {
        const service = await startService({ ...common, databaseUrl: database.url });
        track(service.child);
        return service;
      },
      rounds: settings.rounds,
      perRound: quick ? 40 : 200,
      log,
    });
  } finally {
    await database.drop();
  }
}

/** Rows 11–14: the service with its Redis hub on, one replica or two. */
/**
 * Rows 21 and 23, A/B runs (not rows of the goals table): two services on core 1 (one idle while the
 * other is measured), each with a database of its own (one's lease sweeper must not end the other's
 * replies when a loaded machine delays their renewals), alternating under row 2's instant load and rows
 * 2 and 3's paced ladder (rows 12 and 13's interleaving); the bare SDK loop is the gap baseline at every
 * step. `off` and `on` name the variants: `extra` settings and/or another build's `script`.
 */
async function abRowRun(common, simulator, results, { row, what, off, on }) {
  const profile = (name) => (args.includes("--profile") ? here(`./profiles/${name}`) : undefined);
  const start = async (variant, databaseUrl) => {
    const { name, extra, script } = variant;
    const service = await startService({
      ...common,
      databaseUrl,
      extra,
      script,
      cpuProfileDir: profile(name),
    });
    track(service.child);
    return service;
  };
  const onDatabase = await createBenchDatabase();
  const offService = await start(off, common.databaseUrl);
  const onService = await start(on, onDatabase.url);
  const baseline = await startBaseline(simulator.url);
  const shared = { off: offService, on: onService, rounds: settings.rounds, log, label: what };
  log(`row ${row}: ${off.name} vs ${on.name}, instant (row 2's load)`);
  const instant = await hubInstantCpu({
    ...shared,
    batches: settings.instantBatches,
    deltas: settings.instantDeltas,
  });
  log(`row ${row}: ${off.name} vs ${on.name}, paced ladder (rows 2 and 3's load)`);
  const paced = await hubPacedLadder({
    ...shared,
    baseline,
    ladder: settings.hubLadder,
    deltas: settings.pacedDeltas,
    rampMs: settings.rampMs,
    maxGapRatio: goals.maxGapRatio,
  });
  const problems = [...offService.problems(), ...onService.problems()];
  results[`row${row}`] = { instant, paced, problems };
  await baseline.stop();
  await offService.stop();
  await onService.stop();
  await onDatabase.drop();
  log(
    `  instant: ${off.name} ${instant.offCpu.toFixed(1)} µs/delta, ${on.name} ${instant.onCpu.toFixed(1)} (${instant.ratio.toFixed(2)}×); messages per delta ${instant.offMessages.toFixed(3)} / ${instant.onMessages.toFixed(3)}`,
  );
  for (const step of paced.steps)
    log(
      `  paced ×${step.streams}: CPU/delta sdk ${step.baseline.cpu.toFixed(1)}, ${off.name} ${step.off.cpu.toFixed(1)}, ${on.name} ${step.on.cpu.toFixed(1)} µs (${step.cpuRatio.toFixed(2)}×); gap p99 sdk ${step.baseline.gapP99.toFixed(1)}, ${off.name} ${step.off.gapP99.toFixed(1)} (${step.off.gapRatio.toFixed(2)}×, ${step.off.holds ? "holds" : "fails"}), ${on.name} ${step.on.gapP99.toFixed(1)} ms (${step.on.gapRatio.toFixed(2)}×, ${step.on.holds ? "holds" : "fails"}); messages per delta ${step.off.messagesPerDelta.toFixed(3)} / ${step.on.messagesPerDelta.toFixed(3)}`,
    );
  log(`  streams per core: ${off.name} ${paced.offHeld}, ${on.name} ${paced.onHeld}`);
  if (problems.length)
    log(`  the services logged ${problems.length} warnings/errors:\n${problems.slice(0, 5).join("\n")}`);
}

/** Row 21: backpressure-aware coalescing off vs on (REPLY_COALESCE_MS 0 vs 16), the same build. */
function coalescingRowRun(common, simulator, results) {
  return abRowRun(common, simulator, results, {
    row: 21,
    what: "coalescing",
    off: { name: "coalesce-off", extra: { REPLY_COALESCE_MS: "0" } },
    on: { name: "coalesce-on", extra: { REPLY_COALESCE_MS: "16" } },
  });
}

/** Row 23: another build (`--base-build=<its dist/main.js>`, e.g. main before a change) vs this one. */
function buildsRowRun(common, simulator, results) {
  const script = option("base-build");
  if (!script) {
    log("row 23: needs --base-build=<path to the other build's service/dist/main.js>; not run");
    return;
  }
  return abRowRun(common, simulator, results, {
    row: 23,
    what: "build",
    off: { name: "base-build", script },
    on: { name: "this-build" },
  });
}

async function replicaRowsRun(common, simulator, results) {
  const redis = benchRedis();
  try {
    await redis.check();
  } catch (error) {
    log(`rows 11–14: no Redis at ${redis.url} (${error.message}); not run`);
    return;
  }
  const profile = (name) => (args.includes("--profile") ? here(`./profiles/${name}`) : undefined);
  const start = async (name, extra, databaseUrl = common.databaseUrl) => {
    const service = await startService({ ...common, databaseUrl, extra, cpuProfileDir: profile(name) });
    track(service.child);
    return service;
  };
  results.hubProblems = [];
  const cleanups = [() => redis.cleanup()];
  try {
    if (want(11) || want(14)) {
      const owner = await start("replica-owner", redis.env);
      const other = await start("replica-other", redis.env);
      if (want(11)) {
        log("row 11: WatchReply on the replica that does not own the reply");
        results.watch = await watchOnOtherReplica({
          owner,
          other,
          rounds: settings.rounds,
          perRound: settings.watchPerRound,
          log,
        });
      }
      if (want(14)) {
        log("row 14: StopReply on the replica that does not own the reply");
        results.stop = await stopOnOtherReplica({
          owner,
          other,
          simulator,
          rounds: settings.rounds,
          perRound: settings.stopsPerRound,
          log,
        });
      }
      results.hubProblems.push(...owner.problems(), ...other.problems());
      await owner.stop();
      await other.stop();
    }
    if (want(12) || want(13)) {
      // Each its own database, as each would be deployed: the hub-off service is a whole deployment of
      // one, and nothing of one (its lease sweeper, its pool) touches the other's replies.
      const onDatabase = await createBenchDatabase();
      cleanups.push(() => onDatabase.drop());
      const off = await start("hub-off");
      const on = await start("hub-on", redis.env, onDatabase.url);
      const baseline = await startBaseline(common.simulatorUrl);
      if (want(12)) {
        log("row 12: CPU per delta, Redis hub on vs off, instant");
        results.hubInstant = await hubInstantCpu({
          off,
          on,
          rounds: settings.rounds,
          batches: settings.instantBatches,
          deltas: settings.instantDeltas,
          log,
        });
      }
      log(want(13) ? "rows 12, 13: paced streams, Redis hub on vs off" : "row 12: CPU per delta, paced");
      results.hubPaced = await hubPacedLadder({
        baseline,
        off,
        on,
        rounds: settings.rounds,
        ladder: want(13) ? settings.hubLadder : [goals.pacedCpuStreams],
        deltas: settings.pacedDeltas,
        rampMs: settings.rampMs,
        maxGapRatio: goals.maxGapRatio,
        log,
      });
      results.hubPaced.ladder = want(13);
      results.hubProblems.push(...off.problems(), ...on.problems());
      await baseline.stop();
      await off.stop();
      await on.stop();
    }
  } finally {
    for (const cleanup of cleanups)
      await cleanup().catch((error) => log(`  cleanup failed: ${error.message}`));
  }
  if (results.hubProblems.length > 0) {
    const counts = new Map();
    for (const line of results.hubProblems) {
      const message = /"message":"([^"]*)"/.exec(line)?.[1] ?? line;
      counts.set(message, (counts.get(message) ?? 0) + 1);
    }
    log(`  the services logged ${results.hubProblems.length} warnings/errors:`);
    for (const [message, count] of counts) log(`    ${count} × ${message}`);
  }
}

function renderReplicaSection(results, rows) {
  const { machine: m, settings: s } = results;
  const details = [];
  if (results.hubPaced?.ladder) {
    details.push(
      "Paced ladder with the Redis hub off and on (rows 12–13), medians over rounds; the gap ratio is against the bare SDK loop at the same count:",
      "",
      "| streams | CPU/delta SDK | hub off | hub on | on/off | gap p99 SDK | hub off (ratio) | hub on (ratio) | lost off / on | ELD p99 off / on | holds off / on |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const step of results.hubPaced.steps) {
      const { baseline: b, off, on } = step;
      details.push(
        `| ${step.streams} | ${b.cpu.toFixed(1)} µs | ${off.cpu.toFixed(1)} µs | ${on.cpu.toFixed(1)} µs | ${step.cpuRatio.toFixed(2)}× | ${b.gapP99.toFixed(1)} ms | ${off.gapP99.toFixed(1)} ms (${off.gapRatio.toFixed(2)}×) | ${on.gapP99.toFixed(1)} ms (${on.gapRatio.toFixed(2)}×) | ${off.lost} / ${on.lost} | ${off.eldP99.toFixed(1)} / ${on.eldP99.toFixed(1)} ms | ${off.holds ? "yes" : "no"} / ${on.holds ? "yes" : "no"} |`,
      );
    }
    details.push("");
  }
  return [
    `Last run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${results.seconds.toFixed(0)} s.`,
    "",
    `Machine: ${m.cores} cores (\`nproc\`), ${m.model}, Node ${m.node}; ${m.pinned ? "every service process (both replicas; hub off and hub on) and the SDK baseline pinned to core 1, simulator and load client to core 0 (taskset); Redis (a system daemon, not started by the run) not pinned" : "not pinned (no taskset)"}.`,
    `Load when it started: \`${m.uptime}\`.`,
    "",
    `Command: \`node service/bench/run.mjs --rows=11,12,13,14\` (after \`npm run build -w service\`), Redis at 127.0.0.1:6379 with a key prefix of the run's own.`,
    `${s.rounds} interleaved rounds; every figure is the median over rounds.`,
    "",
    markdownTable(rows),
    "",
    ...details,
  ].join("\n");
}

function renderSection(results, rows) {
  const { machine: m, settings: s } = results;
  const details = [];
  if (results.paced) {
    details.push("Paced ladder (rows 2–3, 7), medians over rounds:", "");
    details.push(
      "| streams | CPU/delta SDK | CPU/delta Parley | ratio | gap p99 SDK | gap p99 Parley | gap ratio | lost | ELD p99 / max | holds |",
    );
    details.push("|---|---|---|---|---|---|---|---|---|---|");
    for (const step of results.paced.steps) {
      details.push(
        `| ${step.streams} | ${step.baselineCpu.toFixed(1)} µs | ${step.serviceCpu.toFixed(1)} µs | ${step.cpuRatio.toFixed(2)}× | ${step.baselineGapP99.toFixed(1)} ms | ${step.serviceGapP99.toFixed(1)} ms | ${step.gapRatio.toFixed(2)}× | ${step.lost} | ${step.eldP99.toFixed(1)} / ${step.eldMax.toFixed(1)} ms | ${step.holds ? "yes" : "no"} |`,
      );
    }
    details.push("");
  }
  if (results.tokenizer) {
    details.push(
      `Tokenizer (row 6), slowest of 3 warm calls per input, o200k_base; the first long call after start took ${results.tokenizer.firstCallMs.toFixed(1)} ms (${results.tokenizer.firstCallInput}):`,
      "",
    );
    details.push("| input | chars | bytes | tokens | worst ms |", "|---|---|---|---|---|");
    for (const row of results.tokenizer.results)
      details.push(
        `| ${row.name} | ${row.chars} | ${row.bytes} | ${row.tokens} | ${row.worstMs.toFixed(1)} |`,
      );
    details.push("");
  }
  if (results.text) {
    details.push(
      "WhatsApp text path (row 10): formatting then splitting, fastest of 5 runs per input; 80k/20k ≈ 4 is linear, ≈ 16 quadratic (goal ≤ 4.5 where the 20k time is above noise):",
      "",
      `| input | ${results.text.sizes.map((s) => `${s / 1000}k ms`).join(" | ")} | 80k/20k |`,
      `|---|${results.text.sizes.map(() => "---|").join("")}---|`,
    );
    for (const row of results.text.results)
      details.push(
        `| ${row.name} | ${row.ms.map((ms) => ms.toFixed(1)).join(" | ")} | ${row.ratio.toFixed(1)} |`,
      );
    details.push("");
  }
  if (results.breakdown) {
    const b = results.breakdown;
    details.push(
      `Row 1, where the time goes (bench/ttft-breakdown.mjs, medians): RPC in ${b.inbound.toFixed(2)} ms, database ${b.database.toFixed(2)} ms, the SDK's request to the first model delta ${b.upstream.toFixed(2)} ms, first delta out ${b.outbound.toFixed(2)} ms; ${b.total.toFixed(2)} ms in all.`,
      "",
      `The same turns from the use case's first query (ms, medians): ${timelineText(b.timeline)}.`,
      "",
    );
  }
  if (results.lengths)
    details.push(
      `Row 5 ran with MODEL_CONTEXT_TOKENS=${results.lengths.contextWindow}: every chat sends its newest 10 messages (~1 KB each).`,
      "",
    );
  return [
    `Last run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${results.seconds.toFixed(0)} s.`,
    "",
    `Machine: ${m.cores} cores (\`nproc\`), ${m.model}, Node ${m.node}; ${m.pinned ? "service or SDK baseline pinned to core 1, simulator and load client to core 0 (taskset)" : "not pinned (no taskset)"}.`,
    `Load when it started: \`${m.uptime}\`.`,
    "",
    "Command: `npm ci && npm run bench` (the root script builds the service, then runs `node service/bench/run.mjs`).",
    `${s.rounds} interleaved rounds (baseline and Parley alternate, the order flips each round); every figure is the median over rounds.`,
    "",
    markdownTable(rows),
    "",
    ...details,
  ].join("\n");
}

const timer = setTimeout(() => {
  log(`gave up after ${timeoutMs / 1000} s`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(2);
}, timeoutMs);
timer.unref();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(130);
  });
}

main().then(
  () => process.exit(0),
  (error) => {
    log(`benchmark failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);

const observabilityMarkers = {
  start: "<!-- bench:observability:start -->",
  end: "<!-- bench:observability:end -->",
};

/** The doc's section of rows 17–19. */
function renderObservabilitySection(results, rows) {
  const { machine, settings: s } = results;
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  return [
    `Last run: ${when} UTC, ${results.seconds.toFixed(0)} s. Machine: ${machine.cores} cores, ${machine.model}, Node ${machine.node}${machine.pinned ? "; services pinned to core 1, load client and simulator to core 0" : ""}.`,
    `Load when it started: \`${machine.uptime}\`.`,
    "",
    `Command: \`node service/bench/run.mjs --rows=17,18,19\` (after \`npm run build -w service\`). ${s.rounds} rounds, rotating order; every figure is the median over rounds.`,
    "",
    markdownTable(rows),
  ].join("\n");
}

/** The doc's section of row 20 (issue #15's "row 13"). */
function renderOverloadSection(results, rows) {
  const { machine } = results;
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  return [
    `Last run: ${when} UTC, ${results.seconds.toFixed(0)} s. Machine: ${machine.cores} cores, ${machine.model}, Node ${machine.node}${machine.pinned ? "; service and SDK pinned to core 1, load client and simulator to core 0" : ""}.`,
    `Load when it started: \`${machine.uptime}\`.`,
    "",
    `Command: \`node service/bench/run.mjs --rows=20\` (after \`npm run build -w service\`). ${results.overload.rounds} rounds; every figure is the median over rounds.`,
    "",
    markdownTable(rows),
  ].join("\n");
}
