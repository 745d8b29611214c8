#!/usr/bin/env node
/**
 * `npm start`: builds everything once (turbo, cached), then runs the chat service and the web app side by
 * side with their logs interleaved, and prints the address to open. Ctrl+C (or SIGTERM) stops both.
 *
 * Settings come from the environment or the root .env (see .env.example). The service and the web app
 * must share one token: AUTH_TOKEN for the service is also the web app's SERVICE_TOKEN. When AUTH_TOKEN
 * is not set, a random one is made for this run (and printed, for grpcurl or buf curl). Likewise a missing
 * BETTER_AUTH_SECRET gets a random one per run: accounts stay, but sign-ins end with the run.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (existsSync(`${root}.env`)) process.loadEnvFile(`${root}.env`);

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" };
const notes = [];
const servicePort = env.PORT || "8080";
const webPort = env.WEB_PORT || "3000";
if (!env.AUTH_TOKEN) {
  env.AUTH_TOKEN = randomBytes(24).toString("base64url");
  notes.push("A service token was made for this run (set AUTH_TOKEN in .env to keep one).");
}
// Ready to paste into another terminal: every example in the README's "Talk to it" uses it.
notes.push(`For buf curl, grpcurl and curl:  export PARLEY_TOKEN=${env.AUTH_TOKEN}`);
env.SERVICE_TOKEN ||= env.AUTH_TOKEN;
env.SERVICE_URL ||= `http://127.0.0.1:${servicePort}`;
if (!env.BETTER_AUTH_URL) {
  env.BETTER_AUTH_URL = `http://localhost:${webPort}`;
  env.TRUSTED_ORIGINS ||= `http://127.0.0.1:${webPort}`;
}
if (!env.BETTER_AUTH_SECRET) {
  env.BETTER_AUTH_SECRET = randomBytes(32).toString("base64url");
  notes.push(
    "BETTER_AUTH_SECRET is not set: sessions last until this run ends (set it in .env to keep them).",
  );
}

const build = spawnSync("npx", ["turbo", "run", "build", "--output-logs=errors-only"], {
  cwd: root,
  env,
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

const colours = { service: "\x1b[36m", web: "\x1b[35m" };
const children = new Map();
let stopping = false;

/** Starts one process with its output prefixed; resolves when `ready` matches a line of it. */
function run(name, command, args, cwd, ready) {
  // The web server listens on every interface unless HOSTNAME names one: a HOSTNAME inherited from the
  // shell (the machine's name) is not meant for it.
  const own = name === "web" ? { PORT: webPort, HOSTNAME: "" } : { PORT: servicePort };
  const child = spawn(command, args, { cwd, env: { ...env, ...own } });
  children.set(name, child);
  const prefix = process.stdout.isTTY ? `${colours[name]}${name.padEnd(7)}\x1b[0m│ ` : `${name.padEnd(7)}| `;
  return new Promise((resolve) => {
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream.on("data", (chunk) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          process.stdout.write(`${prefix}${line}\n`);
          if (ready.test(line)) resolve();
        }
      });
    }
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

await run(
  "service",
  process.execPath,
  ["--enable-source-maps", "dist/main.js"],
  `${root}service`,
  /"port":\d+/,
);
await run("web", process.execPath, ["dist/server.js"], `${root}web`, /web app ready/);

const url = env.BETTER_AUTH_URL;
console.log(`\n  Parley is running.${notes.map((note) => `\n  ${note}`).join("")}\n\n  Open ${url}\n`);
