/**
 * The web app's own Node server, in place of `next start`: an HTTP server (src/server/node-server.ts)
 * handing requests to Next's production build. `npm start`, the Docker image and the tests run it, built
 * by `tsc -p tsconfig.server.json` to dist/server.js (Node 20 cannot run TypeScript itself).
 *
 * Settings: PORT (default 3000) and HOSTNAME (default: every interface), as Next's standalone server;
 * WEB_METRICS_PORT and WEB_METRICS_HOST for the Prometheus endpoint (off unless the port is set);
 * OTEL_EXPORTER_OTLP_ENDPOINT for traces (off, and the SDK not loaded, unless set).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { consoleLogger as log, describeError } from "./src/server/logger.js";
import { closeNodeServer, createNodeServer } from "./src/server/node-server.js";
import {
  createWebMetricsServer,
  listenForMetrics,
  metricsAddress,
} from "./src/server/metrics/metrics-server.js";
import { startWebTracing } from "./src/server/tracing/start-tracing.js";

/** Requests still running at SIGTERM get this long before their connections are cut. */
const shutdownGraceMs = 5_000;

/** The web app's folder, the one holding `.next` (this file runs from web/dist/). */
const dir = fileURLToPath(new URL("..", import.meta.url));

async function main(): Promise<void> {
  // Before Next loads, so its own spans and ours share the registered tracer provider.
  const tracing = await startWebTracing(process.env);
  if (tracing) log.info("web tracing on (OTLP/HTTP)");
  // As `next start` and Next's standalone server: production mode, set before React and Next load.
  Object.assign(process.env, { NODE_ENV: "production" });
  process.chdir(dir);
  // The configuration `next build` resolved, as Next's standalone server passes it: next.config.ts is
  // neither read nor transpiled at start-up (the Docker image does not even have it).
  const manifest = JSON.parse(readFileSync(`${dir}.next/required-server-files.json`, "utf8")) as {
    config: unknown;
  };
  process.env["__NEXT_PRIVATE_STANDALONE_CONFIG"] ??= JSON.stringify(manifest.config);

  const port = Number(process.env["PORT"]) || 3000;
  const hostname = process.env["HOSTNAME"] || undefined;
  // `next` is CommonJS (`module.exports = createServer`): Node's default import is the function itself,
  // while TypeScript, reading its `export default`, expects it one level down.
  const next = (await import("next")).default as unknown as typeof import("next").default;
  const app = next({ dev: false, dir, port, ...(hostname ? { hostname } : {}) });
  await app.prepare();
  const server = createNodeServer(app.getRequestHandler(), log);
  const metrics = metricsAddress(process.env);
  const metricsServer = metrics && createWebMetricsServer();
  if (metrics && metricsServer) {
    const address = await listenForMetrics(metricsServer, metrics.port, metrics.host);
    log.info("web metrics listening", { url: `http://${metrics.host}:${address.port}/metrics` });
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info("web server stopping", { signal });
    metricsServer?.close();
    closeNodeServer(server, shutdownGraceMs)
      .then(() => app.close())
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error("web server did not stop cleanly", describeError(error));
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  server.listen(port, hostname, () => {
    const address = server.address();
    log.info("web server listening", {
      port: typeof address === "object" && address ? address.port : port,
      ...(hostname ? { hostname } : {}),
    });
  });
}

main().catch((error: unknown) => {
  log.error("web server could not start", describeError(error));
  process.exit(1);
});
