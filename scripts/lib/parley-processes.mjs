/**
 * What `npm start` and `npm run replicas` share: the settings both processes need (from the environment
 * and the root .env, with a token and an auth secret made per run when missing), the one build, and a
 * supervisor that runs processes with their output prefixed and stops every one of them, by PID, on
 * Ctrl+C, SIGTERM, or when one exits on its own.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
// Loaded on import, so that the scripts read their ports from it too.
if (existsSync(`${root}.env`)) process.loadEnvFile(`${root}.env`);

/**
 * The settings of a run. The service and the web app must share one token: AUTH_TOKEN for the service is
 * also the web app's SERVICE_TOKEN; missing, a random one is made (and printed, for grpcurl or buf
 * curl). A missing BETTER_AUTH_SECRET gets a random one too: accounts stay, sign-ins end with the run.
 * `serviceUrl` is where the web app reaches the service, `webUrl` where people open the web app.
 */
export function parleySettings({ serviceUrl, webUrl }) {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" };
  const notes = [];
  if (!env.AUTH_TOKEN) {
    env.AUTH_TOKEN = randomBytes(24).toString("base64url");
    notes.push("A service token was made for this run (set AUTH_TOKEN in .env to keep one).");
  }
  // Ready to paste into another terminal: every example in the README's "Talk to it" uses it.
  notes.push(`For buf curl, grpcurl and curl:  export PARLEY_TOKEN=${env.AUTH_TOKEN}`);
  env.SERVICE_TOKEN ||= env.AUTH_TOKEN;
  env.SERVICE_URL ||= serviceUrl;
  if (!env.BETTER_AUTH_URL) {
    env.BETTER_AUTH_URL = webUrl;
    env.TRUSTED_ORIGINS ||= webUrl.replace("//localhost:", "//127.0.0.1:");
  }
  if (!env.BETTER_AUTH_SECRET) {
    env.BETTER_AUTH_SECRET = randomBytes(32).toString("base64url");
    notes.push(
      "BETTER_AUTH_SECRET is not set: sessions last until this run ends (set it in .env to keep them).",
    );
  }
  return { env, notes };
}

/** Builds everything once (turbo, cached); exits the script if the build fails. */
export function buildAll(env) {
  const build = spawnSync("npx", ["turbo", "run", "build", "--output-logs=errors-only"], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const palette = ["\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[32m", "\x1b[34m", "\x1b[31m"];

/** Runs named processes side by side; see the file's comment. */
export function createSupervisor() {
  const children = new Map();
  let stopping = false;
  const width = 10;

  function stop(exitCode = 0) {
    if (stopping) return;
    stopping = true;
    if (children.size === 0) process.exit(exitCode);
    for (const child of children.values()) child.kill("SIGTERM");
    process.exitCode = exitCode;
    // The service drains replies in flight for up to SHUTDOWN_GRACE_MS; do not wait forever.
    setTimeout(() => {
      for (const child of children.values()) child.kill("SIGKILL");
      process.exit(exitCode || 1);
    }, 20_000).unref();
  }
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));

  /**
   * Starts one process with its output prefixed by `name`; resolves when `ready` matches a line of its
   * output (at once when `ready` is null).
   */
  function run(name, command, args, { cwd, env, ready }) {
    const child = spawn(command, args, { cwd, env });
    children.set(name, child);
    const colour = palette[(children.size - 1) % palette.length];
    const prefix = process.stdout.isTTY
      ? `${colour}${name.padEnd(width)}\x1b[0m│ `
      : `${name.padEnd(width)}| `;
    return new Promise((resolve) => {
      if (!ready) child.once("spawn", resolve);
      for (const stream of [child.stdout, child.stderr]) {
        let partial = "";
        stream.on("data", (chunk) => {
          const lines = (partial + chunk.toString()).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) {
            process.stdout.write(`${prefix}${line}\n`);
            if (ready?.test(line)) resolve();
          }
        });
      }
      child.on("error", (error) => console.error(`${name} could not start: ${error.message}`));
      child.on("exit", (code, signal) => {
        children.delete(name);
        if (!stopping) {
          console.error(`${name} exited (${signal ?? code}); stopping the rest.`);
          stop(typeof code === "number" && code !== 0 ? code : 1);
        } else if (children.size === 0) {
          process.exit(process.exitCode ?? 0);
        }
      });
    });
  }

  return {
    run,
    stop,
    /** The built chat service (service/dist/main.js); ready once it logs the port it listens on. */
    service: (name, env) =>
      run(name, process.execPath, ["--enable-source-maps", "dist/main.js"], {
        cwd: `${root}service`,
        env,
        ready: /"port":\d+/,
      }),
    /**
     * The built web app on its own server (web/dist/server.js); ready once its start-up hook has run.
     * It listens on `hostname`, by default every interface: a HOSTNAME inherited from the shell (the
     * machine's name) is not meant for it.
     */
    web: (name, env, hostname = "") =>
      run(name, process.execPath, ["dist/server.js"], {
        cwd: `${root}web`,
        env: { ...env, HOSTNAME: hostname },
        ready: /web app ready/,
      }),
  };
}
