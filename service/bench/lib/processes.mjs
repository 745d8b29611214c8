/**
 * Starting the processes of a run, each pinned to a core with `taskset` when the machine has one and
 * more than one core: the process under test on core 1, the simulator and the load client on core 0.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { availableParallelism } from "node:os";

let tasksetChecked;

/** Whether pinning is possible here (taskset present, ≥ 2 cores). */
export function canPin() {
  if (tasksetChecked === undefined) {
    try {
      execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
      tasksetChecked = availableParallelism() >= 2;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/** Pins this process (all its threads) to `core`. */
export function pinSelf(core) {
  if (!canPin()) return;
  execFileSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

/** The command to run a process under so it stays on `core` (`taskset -c N`), or nothing. */
export function pinnedTo(core) {
  return canPin() ? ["taskset", "-c", String(core)] : [];
}

/**
 * Spawns `node <nodeArgs>` pinned to `core`, with an IPC channel unless `ipc: false`. Output is kept
 * (the last 200 lines of each stream) for error reports and for reading the service's log.
 */
export function spawnNode(core, nodeArgs, { env, cwd, ipc = true } = {}) {
  const stdio = ["ignore", "pipe", "pipe", ...(ipc ? ["ipc"] : [])];
  const [command, ...args] = [...pinnedTo(core), process.execPath, ...nodeArgs];
  const child = spawn(command, args, { env, cwd, stdio });
  child.output = { stdout: [], stderr: [] };
  for (const name of ["stdout", "stderr"]) {
    child[name].setEncoding("utf8");
    child[name].on("data", (text) => {
      const lines = child.output[name];
      lines.push(...text.split("\n").filter(Boolean));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    });
  }
  child.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return child;
}

/** Resolves with the first match of `pattern` on the child's stdout; rejects on exit or timeout. */
export function waitForOutput(child, pattern, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const onData = (text) => {
      buffer += text;
      const match = pattern.exec(buffer);
      if (match) done(() => resolve(match));
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`timed out waiting for ${pattern}\n${tail(child)}`))),
      timeoutMs,
    );
    const onExit = () => done(() => reject(new Error(`process exited before ${pattern}\n${tail(child)}`)));
    const done = (settle) => {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
      settle();
    };
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Kills a child we started (by `spawnNode` or `startServiceProcess`) and waits for it to go. */
export async function stopChild(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, "exit");
  child.kill(signal);
  const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await gone;
  clearTimeout(killer);
}

export function tail(child) {
  return [...child.output.stdout.slice(-10), ...child.output.stderr.slice(-10)].join("\n");
}
