/**
 * `npm run fuzz`: fuzzes the built service. Flags (or env): `--seconds N` (FUZZ_SECONDS, default 60) per
 * target, `--seed N` (FUZZ_SEED; default from the clock, always printed), `--target a,b` (FUZZ_TARGETS).
 * Exits 1 and lists the failing requests (with the seed to replay them) when any check fails.
 */
import { parseArgs } from "node:util";
import { freshSeed } from "./prng.js";
import { runFuzz } from "./fuzz-run.js";

const { values } = parseArgs({
  options: { seconds: { type: "string" }, seed: { type: "string" }, target: { type: "string" } },
});
const seconds = Number(values.seconds ?? process.env.FUZZ_SECONDS ?? 60);
const seed = Number(values.seed ?? process.env.FUZZ_SEED ?? freshSeed()) >>> 0;
const only = (values.target ?? process.env.FUZZ_TARGETS)?.split(",").map((name) => name.trim());

console.log(`fuzz: seed ${seed}, ${seconds} s per target${only ? `, targets ${only.join(",")}` : ""}`);
const report = await runFuzz({ seed, msPerTarget: seconds * 1_000, only, log: (line) => console.log(line) });
if (report.problems.length === 0) {
  console.log(`fuzz: passed (seed ${seed})`);
} else {
  console.log(`fuzz: ${report.problems.length} problems (seed ${seed}):`);
  for (const problem of report.problems.slice(0, 50)) console.log(`- ${problem}`);
  process.exitCode = 1;
}
