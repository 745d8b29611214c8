/**
 * Row 9: the web BFF hop — the browser's path through Next.js and the tRPC SSE subscription `chat.send`
 * to the service. Runs when the web app has been built (`web/.next`); otherwise the row says so.
 *
 * The BFF (the web app's own server, `web/dist/server.js`, with its own auth database, a user signed up through better-auth) runs alone on
 * core 1; the service, the simulator and the clients share core 0.
 *  - Added time to first token: an SSE request to `chat.send` versus a Connect client reading the
 *    service directly, sequential turns, interleaved rounds.
 *  - CPU per delta of the Next.js process tree (from /proc) for paced streams, versus a minimal SSE
 *    forwarder (Connect client in, `data:` lines out) on the same core with the same load.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { chatClient, timeToFirstDelta } from "../lib/connect-client.mjs";
import { benchToken } from "../lib/grpc-load.mjs";
import { spawnNode, stopChild, waitForOutput } from "../lib/processes.mjs";
import { treeCpuUs } from "../lib/proc-cpu.mjs";
import { emptyWorkingDirectory } from "../lib/service.mjs";
import { median, percentile } from "../lib/stats.mjs";

const webDir = fileURLToPath(new URL("../../../web/", import.meta.url));
const webServer = fileURLToPath(new URL("../../../web/dist/server.js", import.meta.url));
const forwarderScript = fileURLToPath(new URL("../minimal-sse-forwarder.mjs", import.meta.url));

export const webBuilt = () => existsSync(`${webDir}.next/BUILD_ID`) && existsSync(webServer);

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** Upstream deltas in a delta event's text: each benchmark delta starts with its one space (lib/texts.mjs). */
function wordsIn(text) {
  let words = 0;
  for (let at = text.indexOf(" "); at >= 0; at = text.indexOf(" ", at + 1)) words++;
  return Math.max(words, 1);
}

/**
 * One SSE request to its end: ms to the first delta event, and the upstream deltas seen. The service
 * merges the deltas of a reader that falls behind (backpressure-aware coalescing), so one delta event may
 * carry several upstream deltas: they are counted by their words, as the gRPC load client does.
 */
function sseTurn(url, headers = {}) {
  const start = performance.now();
  return new Promise((resolve) => {
    const result = { ttft: NaN, deltas: 0, complete: false, status: 0 };
    const onEvent = (data, now) => {
      if (!data.startsWith("{")) return;
      const event = JSON.parse(data);
      if (event.type === "delta") {
        if (Number.isNaN(result.ttft)) result.ttft = now - start;
        result.deltas += wordsIn(event.text);
      } else if (event.type === "finished" || event.status === "complete") result.complete = true;
    };
    const req = request(url, { agent, headers: { accept: "text/event-stream", ...headers } }, (res) => {
      result.status = res.statusCode;
      let pending = "";
      res.setEncoding("utf8");
      res.on("data", (text) => {
        const now = performance.now();
        pending += text;
        // Events end with a blank line; the last piece is an event still arriving.
        const events = pending.split("\n\n");
        pending = events.pop();
        for (const event of events)
          for (const line of event.split("\n")) if (line.startsWith("data: ")) onEvent(line.slice(6), now);
      });
      res.on("end", () => resolve(result));
      res.on("error", (error) => resolve({ ...result, error: error.code ?? error.message }));
    });
    req.on("error", (error) => resolve({ ...result, error: error.code ?? error.message }));
    req.end();
  });
}

async function startNext(serviceUrl, databaseServer) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const database = `parley_bench_web_${randomBytes(5).toString("hex")}`;
  const profile = process.env.BENCH_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}/web`]
    : [];
  const child = spawnNode(1, [...profile, webServer], {
    cwd: webDir,
    ipc: false,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-01",
      BETTER_AUTH_URL: baseUrl,
      WEB_DATABASE_URL: `${databaseServer}/${database}`,
      SERVICE_URL: serviceUrl,
      SERVICE_TOKEN: benchToken,
    },
  });
  // The web app's own server (web/server.ts) says "web server listening", then Next's start-up hook
  // says "web app ready" once the database is migrated: the second is when it serves.
  await waitForOutput(child, /web app ready/i, 60_000);
  return { child, baseUrl, database };
}

async function signUp(baseUrl) {
  const response = await fetch(`${baseUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseUrl },
    body: JSON.stringify({
      email: `bench-${Date.now()}@example.com`,
      password: "bench-password-1",
      name: "Bench",
    }),
  });
  if (!response.ok) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

async function pacedLoad(url, headers, { streams, rampMs, deltas }) {
  const runs = [];
  for (let i = 0; i < streams; i++) {
    const delay = (rampMs * i) / Math.max(1, streams - 1);
    runs.push(new Promise((resolve) => setTimeout(resolve, delay)).then(() => sseTurn(url, headers)));
  }
  const results = await Promise.all(runs);
  return {
    deltas: results.reduce((sum, r) => sum + r.deltas, 0),
    lost: results.reduce((sum, r) => sum + Math.max(0, deltas - r.deltas), 0),
    // Why a stream came up short: its HTTP status, or the socket's error (a reused keep-alive socket the
    // server had just closed shows as ECONNRESET before any byte of the answer).
    short: results
      .filter((r) => r.deltas < deltas)
      .map((r) => r.error ?? `status ${r.status}${r.complete ? "" : ", incomplete"}`),
  };
}

export async function webBffRow({
  startService,
  databaseServer,
  dropDatabase,
  rounds,
  perRound,
  streams,
  deltas,
  log,
}) {
  if (!webBuilt()) {
    log("  web/.next is missing: build the web app (`npx turbo run build`) to measure row 9");
    return null;
  }
  const service = await startService();
  let next;
  let forwarder;
  try {
    next = await startNext(service.baseUrl, databaseServer);
    const cookie = await signUp(next.baseUrl);
    forwarder = spawnNode(1, [forwarderScript], {
      env: { PATH: process.env.PATH ?? "", SERVICE_URL: service.baseUrl, SERVICE_TOKEN: benchToken },
      ipc: false,
      cwd: emptyWorkingDirectory(),
    });
    const [, forwarderPort] = await waitForOutput(forwarder, /"port":(\d+)/);

    const input = (text) => encodeURIComponent(JSON.stringify({ text }));
    const bffUrl = (text) => `${next.baseUrl}/api/trpc/chat.send?input=${input(text)}`;
    const sseUrl = (text) => `http://127.0.0.1:${forwarderPort}/?text=${encodeURIComponent(text)}`;
    const direct = chatClient(service.baseUrl);
    const viaBff = async (count) => {
      const times = [];
      for (let i = 0; i < count; i++) times.push((await sseTurn(bffUrl("bench:ttft"), { cookie })).ttft);
      return times;
    };
    const viaConnect = async (count) => {
      const times = [];
      for (let i = 0; i < count; i++)
        times.push(await timeToFirstDelta(direct, { userId: "bench-direct", text: "bench:ttft" }));
      return times;
    };
    const first = await sseTurn(bffUrl("bench:ttft"), { cookie });
    if (first.status !== 200 || !first.complete)
      throw new Error(`chat.send answered ${first.status} without a complete reply`);
    await viaBff(20);
    await viaConnect(20);

    const ttftRounds = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["bff", "connect"] : ["connect", "bff"];
      const times = {};
      for (const who of order)
        times[who] = who === "bff" ? await viaBff(perRound) : await viaConnect(perRound);
      const [connect, bff] = [percentile(times.connect, 50), percentile(times.bff, 50)];
      ttftRounds.push({ connect, bff, added: bff - connect });
      log(
        `  BFF round ${round + 1}: first delta p50 via Connect ${connect.toFixed(2)} ms, via the BFF ${bff.toFixed(2)} ms`,
      );
    }

    const load = { streams, rampMs: 1_000, deltas };
    const measure = async (pid, url, headers) => {
      const before = treeCpuUs(pid);
      const result = await pacedLoad(url, headers, load);
      return { ...result, cpuPerDelta: (treeCpuUs(pid) - before) / Math.max(1, result.deltas) };
    };
    await measure(next.child.pid, bffUrl("bench:paced"), { cookie });
    await measure(forwarder.pid, sseUrl("bench:paced"), {});
    const cpuRounds = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["bff", "minimal"] : ["minimal", "bff"];
      const runs = {};
      for (const who of order) {
        runs[who] =
          who === "bff"
            ? await measure(next.child.pid, bffUrl("bench:paced"), { cookie })
            : await measure(forwarder.pid, sseUrl("bench:paced"), {});
      }
      const { bff, minimal } = runs;
      cpuRounds.push({
        bff: bff.cpuPerDelta,
        minimal: minimal.cpuPerDelta,
        ratio: bff.cpuPerDelta / minimal.cpuPerDelta,
        lost: bff.lost + minimal.lost,
      });
      const short = [...bff.short, ...minimal.short];
      log(
        `  BFF round ${round + 1}: CPU/delta Next ${bff.cpuPerDelta.toFixed(1)} µs, minimal SSE forwarder ${minimal.cpuPerDelta.toFixed(1)} µs (${cpuRounds.at(-1).ratio.toFixed(2)}×); lost ${bff.lost}/${minimal.lost}${short.length ? ` (short: ${short.join("; ")})` : ""}`,
      );
    }
    return {
      addedP50: median(ttftRounds.map((r) => r.added)),
      connectP50: median(ttftRounds.map((r) => r.connect)),
      bffP50: median(ttftRounds.map((r) => r.bff)),
      bffCpu: median(cpuRounds.map((r) => r.bff)),
      minimalCpu: median(cpuRounds.map((r) => r.minimal)),
      cpuRatio: median(cpuRounds.map((r) => r.ratio)),
      lost: cpuRounds.reduce((sum, r) => sum + r.lost, 0),
      streams,
    };
  } finally {
    if (forwarder) await stopChild(forwarder);
    if (next) {
      await stopChild(next.child);
      await dropDatabase(next.database);
    }
    await service.stop();
  }
}
