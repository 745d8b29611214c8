/**
 * The built service (`service/dist/main.js`) as a real process, as `npm start` runs it: spawned with only
 * the environment the caller gives (plus PATH and test defaults), in an empty working directory so no
 * `.env` leaks in, and ready once it logs the port it listens on.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** @type {import("./index.d.ts").serviceMainScript} */
export const serviceMainScript = fileURLToPath(new URL("../../service/dist/main.js", import.meta.url));

/** The service's "listening" log line (JSON) carries `"port":N`. */
const listening = /"port":(\d+)/;

/** @type {import("./index.d.ts").startServiceProcess} */
export async function startServiceProcess(options = {}) {
  const { env = {}, nodeArgs = [], launcher = [], ipc = false, timeoutMs = 30_000 } = options;
  const script = options.script ?? serviceMainScript;
  if (!existsSync(script)) {
    throw new Error(`${script} is missing: run \`npx turbo run build\` first`);
  }
  const ownDirectory = options.cwd ? undefined : mkdtempSync(join(tmpdir(), "parley-service-"));
  const [command, ...args] = [...launcher, process.execPath, ...nodeArgs, script];
  const child = spawn(command, args, {
    cwd: options.cwd ?? ownDirectory,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      // The built-in simulator answers unless a test asks for an upstream.
      OPENAI_API_KEY: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe", ...(ipc ? ["ipc"] : [])],
  });
  const chunks = [];
  const output = () => chunks.join("");
  child.stdout.setEncoding("utf8").on("data", (text) => chunks.push(text));
  child.stderr.setEncoding("utf8").on("data", (text) => chunks.push(text));
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      if (ownDirectory) rmSync(ownDirectory, { recursive: true, force: true });
      resolve(code ?? signal);
    }),
  );
  const stop = async (signal = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
  };

  let stdout = "";
  const port = await new Promise((resolve, reject) => {
    const onData = (text) => {
      stdout += text;
      const match = listening.exec(stdout);
      if (match) settle(() => resolve(Number(match[1])));
    };
    const timer = setTimeout(
      () => settle(() => reject(new Error(`the service did not start within ${timeoutMs} ms:\n${output()}`))),
      timeoutMs,
    );
    const onExit = (code, signal) =>
      settle(() =>
        reject(new Error(`the service exited (${code ?? signal}) before listening:\n${output()}`)),
      );
    const onError = (error) => settle(() => reject(error)); // e.g. the launcher is missing
    const settle = (done) => {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
      done();
    };
    child.stdout.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  }).catch(async (error) => {
    await stop("SIGKILL");
    throw error;
  });
  return { child, port, baseUrl: `http://127.0.0.1:${port}`, output, exited, stop };
}
