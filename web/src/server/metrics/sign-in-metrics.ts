/** Counts how email sign-ins ended badly: a wrong email or password, or a limit (per account, per address). */
import "server-only";
import { webMetrics } from "./web-metrics";

export function countSignIn(outcome: "failed" | "locked-account" | "locked-address" | "other"): void {
  const metrics = webMetrics();
  if (outcome === "failed") metrics.signInFailures.inc();
  else if (outcome === "locked-account") metrics.signInLockouts.inc({ by: "account" });
  else if (outcome === "locked-address") metrics.signInLockouts.inc({ by: "address" });
}
