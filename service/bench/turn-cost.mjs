/**
 * What one new-chat turn costs the service: CPU (from /proc, the service's process tree), SQL
 * statements (MariaDB's global `Questions` counter) and the database server's CPU (from /proc, when it
 * runs on this machine) per turn, over turns sent one after another, each a
 * new chat answered with the simulator's five short deltas ("bench:ttft"). Per-turn work is what a
 * paced stream pays besides its deltas (row 3), so this is where a statement or a stack capture shows
 * without the paced ladder's noise.
 *
 *   node bench/turn-cost.mjs [--turns=400] [--rounds=4] [--base-build=<other>/service/dist/main.js]
 *                            [--profile] [--threads]
 *
 * With --base-build the two builds alternate, the order flipped each round, and the medians are
 * compared. --profile writes a V8 CPU profile of each service (read it with profile-top.mjs); --threads
 * splits the service's CPU per turn into its JS thread's and its other threads' (GC, compiler, libuv). The
 * statement count is global: run it on a machine whose database nothing else uses.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chatClient } from "./lib/connect-client.mjs";
import { createBenchDatabase, dropBenchDatabase } from "./lib/database.mjs";
import { threadCpuUs, treeCpuUs } from "./lib/proc-cpu.mjs";
import { spawnNode, stopChild, waitForOutput } from "./lib/processes.mjs";
import { startService } from "./lib/service.mjs";
import { median } from "./lib/stats.mjs";

const option = (name, fallback) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const turns = Number(option("turns", 400));
const rounds = Number(option("rounds", 4));
const baseBuild = option("base-build", undefined);
const profile = process.argv.includes("--profile");
const threads = process.argv.includes("--threads");
const warmUpTurns = 50;
/** The local database server's pid, when there is one (its CPU is global, like the statement count). */
const databasePid = Number(
  (() => {
    try {
      return execFileSync("pidof", ["mariadbd", "mysqld"], { encoding: "utf8" }).trim().split(" ")[0];
    } catch {
      return "";
    }
  })(),
);
const databaseCpuUs = () => (databasePid ? treeCpuUs(databasePid) : NaN);

const simulator = spawnNode(0, [new URL("./simulator-process.mjs", import.meta.url).pathname], {
  env: { PATH: process.env.PATH ?? "" },
});
const [, simulatorUrl] = await waitForOutput(simulator, /listening (\S+)/);

/** Starts `script` on a database of its own, sends the turns, and returns what they cost. */
async function measure(script) {
  const database = await createBenchDatabase();
  const cpuProfileDir = profile ? mkdtempSync(join(tmpdir(), "parley-turn-cost-")) : undefined;
  const service = await startService({ simulatorUrl, databaseUrl: database.url, cpuProfileDir, script });
  const client = chatClient(service.baseUrl);
  const turn = async (i) => {
    // Fifty users, as many people would: each send reads its user's limits and usage.
    for await (const _ of client.sendMessage({
      userId: `turn-cost-${i % 50}`,
      chatId: "",
      text: "bench:ttft",
    }));
  };
  const questions = async () => {
    const [[row]] = await database.pool.query("show global status like 'Questions'");
    return Number(row.Value);
  };
  try {
    for (let i = 0; i < warmUpTurns; i++) await turn(i);
    const questionsBefore = await questions();
    const cpuBefore = treeCpuUs(service.child.pid);
    const threadsBefore = threadCpuUs(service.child.pid);
    const databaseBefore = databaseCpuUs();
    const startedAt = performance.now();
    for (let i = 0; i < turns; i++) await turn(i);
    const wallMs = (performance.now() - startedAt) / turns;
    const cpuUs = treeCpuUs(service.child.pid) - cpuBefore;
    const threadsAfter = threadCpuUs(service.child.pid);
    const threadMs = {
      main: (threadsAfter.main - threadsBefore.main) / 1000 / turns,
      others: (threadsAfter.others - threadsBefore.others) / 1000 / turns,
    };
    const databaseUs = databaseCpuUs() - databaseBefore;
    // The counter counts its own read too.
    const statements = (await questions()) - questionsBefore - 1;
    return {
      cpuMs: cpuUs / 1000 / turns,
      statements: statements / turns,
      databaseMs: databaseUs / 1000 / turns,
      wallMs,
      threadMs,
    };
  } finally {
    await service.stop();
    await database.pool.end();
    await dropBenchDatabase(new URL(database.url).pathname.slice(1));
    if (cpuProfileDir) console.log(`  profile: ${join(cpuProfileDir, readdirSync(cpuProfileDir)[0] ?? "")}`);
  }
}

const builds = baseBuild ? { base: baseBuild, this: undefined } : { this: undefined };
const results = Object.fromEntries(Object.keys(builds).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const order = Object.keys(builds);
  if (round % 2 === 1) order.reverse();
  for (const name of order) {
    const result = await measure(builds[name]);
    results[name].push(result);
    console.log(
      `round ${round + 1} ${name}: ${result.cpuMs.toFixed(2)} ms CPU, ${result.statements.toFixed(2)} statements, ` +
        `database ${result.databaseMs.toFixed(2)} ms CPU, ${result.wallMs.toFixed(2)} ms wall per turn`,
    );
    if (threads)
      console.log(
        `  by thread: main (JS) ${result.threadMs.main.toFixed(2)} ms, others ${result.threadMs.others.toFixed(2)} ms`,
      );
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([name, list]) => [
    name,
    {
      cpuMs: median(list.map((r) => r.cpuMs)),
      statements: median(list.map((r) => r.statements)),
      databaseMs: median(list.map((r) => r.databaseMs)),
      wallMs: median(list.map((r) => r.wallMs)),
    },
  ]),
);
for (const [name, { cpuMs, statements, databaseMs, wallMs }] of Object.entries(summary))
  console.log(
    `${name}: median ${cpuMs.toFixed(2)} ms CPU, ${statements.toFixed(2)} statements, ` +
      `database ${databaseMs.toFixed(2)} ms CPU, ${wallMs.toFixed(2)} ms wall per turn`,
  );
if (summary.base)
  console.log(
    `this / base: CPU ${(summary.this.cpuMs / summary.base.cpuMs).toFixed(2)}×, ` +
      `database CPU ${(summary.this.databaseMs / summary.base.databaseMs).toFixed(2)}×, ` +
      `wall ${(summary.this.wallMs - summary.base.wallMs).toFixed(2)} ms`,
  );
await stopChild(simulator);
