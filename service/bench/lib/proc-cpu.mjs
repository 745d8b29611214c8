/**
 * CPU time of a process and its descendants from /proc (Linux): for processes the orchestrator cannot
 * ask over IPC, such as the web app. Resolution is a clock tick (10 ms), so loads are sized to use
 * seconds of CPU.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let tickUs;
const clockTickUs = () =>
  (tickUs ??= 1e6 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()));

/** A /proc stat line's user + system ticks. Fields after "(comm)": utime (14) and stime (15) are at 11, 12. */
const statTicks = (stat) => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
};

/** User + system CPU µs used so far by `pid` and every process below it. */
export function treeCpuUs(pid) {
  const tick = clockTickUs();
  let ticks = 0;
  const visit = (id) => {
    let stat;
    try {
      stat = readFileSync(`/proc/${id}/stat`, "utf8");
    } catch {
      return; // gone
    }
    ticks += statTicks(stat);
    for (const task of readdirSync(`/proc/${id}/task`)) {
      let children = "";
      try {
        children = readFileSync(`/proc/${id}/task/${task}/children`, "utf8");
      } catch {
        continue;
      }
      for (const child of children.split(" ").filter(Boolean)) visit(Number(child));
    }
  };
  visit(pid);
  return ticks * tick;
}

/**
 * CPU µs used so far by the process `pid` (not its children), split into its main thread — the JS
 * thread, whose thread id is the pid — and all its other threads together (V8's GC and compiler helpers,
 * libuv's pool: Node 20 names them all `node`, so they cannot be told apart here).
 */
export function threadCpuUs(pid) {
  const tick = clockTickUs();
  const us = { main: 0, others: 0 };
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      us[task === String(pid) ? "main" : "others"] +=
        statTicks(readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8")) * tick;
    } catch {
      // the thread ended
    }
  }
  return us;
}
