// Runs the repo's own `buf` binary (the @bufbuild/buf devDependency), so tests need no global install.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const bufBin = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@bufbuild/buf/package.json")),
  "bin/buf",
);

/** What a finished `buf` run printed. */
export interface BufResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `buf curl <args>` and resolves with its output; rejects (with stdout/stderr attached) on a non-zero
 * exit. Asynchronous on purpose: the server under test lives in this process and must keep answering.
 */
export async function bufCurl(args: string[], timeoutMs = 15_000): Promise<BufResult> {
  return run(process.execPath, [bufBin, "curl", ...args], { timeout: timeoutMs, encoding: "utf8" });
}
