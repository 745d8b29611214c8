/**
 * The fuzzer's fast subset, as an ordinary test: every target for a moment against the built service
 * (`npm run fuzz` runs them a minute each). A failure prints the seed and the requests to replay.
 */
import { expect, it } from "vitest";
import { runFuzz } from "../../fuzz/fuzz-run.js";
import { freshSeed } from "../../fuzz/prng.js";

it("survives every fuzz target with documented statuses, no stray rows and nothing left streaming", async () => {
  // A fixed seed in CI, so a red run replays exactly; FUZZ_SEED=random explores (npm run fuzz does).
  const chosen = process.env.FUZZ_SEED ?? "20261203";
  const seed = (chosen === "random" ? freshSeed() : Number(chosen)) >>> 0;
  // A fixed amount of work per target (the time bound is only a backstop), so the run is the same anywhere.
  const report = await runFuzz({ seed, msPerTarget: 60_000, maxRequestsPerTarget: 60, concurrency: 2 });
  expect(report.problems, `fuzz seed ${seed}`).toEqual([]);
  for (const target of report.targets) expect(target.requests, target.name).toBe(60);
}, 120_000);
