/**
 * Row 8: cold start to serving. `node dist/main.js` is spawned (pinned, as `npm start` runs it) on a
 * database whose migrations are already applied; the clock runs from the spawn to the first health
 * check answered SERVING (which pings the database), polled every 2 ms over HTTP/1.1 from core 0.
 */
import { request } from "node:http";
import { serviceMainScript } from "@parley/test-support";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { spawnNode, stopChild, tail } from "../lib/processes.mjs";
import { emptyWorkingDirectory, serviceEnv } from "../lib/service.mjs";
import { median } from "../lib/stats.mjs";

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function healthCheck(port) {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/grpc.health.v1.Health/Check",
        headers: { "content-type": "application/json" },
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (text) => (body += text));
        res.on("end", () =>
          resolve(res.statusCode === 200 && body.includes("SERVING") && !body.includes("NOT_SERVING")),
        );
      },
    );
    req.on("error", () => resolve(false));
    req.end("{}");
  });
}

export async function coldStart({ simulatorUrl, databaseUrl, runs, log }) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const port = await freePort();
    const started = performance.now();
    const child = spawnNode(1, [serviceMainScript], {
      env: serviceEnv({ simulatorUrl, databaseUrl, port }),
      cwd: emptyWorkingDirectory(),
      ipc: false,
    });
    const deadline = started + 10_000;
    let servingAt = NaN;
    while (performance.now() < deadline && child.exitCode === null) {
      if (await healthCheck(port)) {
        servingAt = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await stopChild(child);
    if (Number.isNaN(servingAt))
      throw new Error(`the service did not start serving within 10 s\n${tail(child)}`);
    times.push(servingAt - started);
    log(`  cold start ${run + 1}: ${(servingAt - started).toFixed(0)} ms`);
  }
  return { times, median: median(times), max: Math.max(...times) };
}
