/**
 * CPU time of a process and its descendants from /proc (Linux): for processes the orchestrator cannot
 * ask over IPC, such as the web app. Resolution is a clock tick (10 ms), so loads are sized to use
 * seconds of CPU.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let tickUs;

/** User + system CPU µs used so far by `pid` and every process below it. */
export function treeCpuUs(pid) {
  tickUs ??= 1e6 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  let ticks = 0;
  const visit = (id) => {
    let stat;
    try {
      stat = readFileSync(`/proc/${id}/stat`, "utf8");
    } catch {
      return; // gone
    }
    // Fields after "(comm)": state is field 3, so utime (14) and stime (15) are at 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
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
  return ticks * tickUs;
}
