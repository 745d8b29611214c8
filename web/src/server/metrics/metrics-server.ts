/**
 * The web app's metrics endpoint: `GET /metrics` (Prometheus text format) on its own port
 * (WEB_METRICS_PORT), bound to localhost unless WEB_METRICS_HOST says otherwise. Anything else is 404.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { webMetrics } from "./web-metrics.js";

export function createWebMetricsServer(): Server {
  const { registry } = webMetrics();
  return createServer((request, response) => {
    if ((request.url ?? "").split("?")[0] !== "/metrics" || request.method !== "GET") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found; try GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500).end(`metrics failed: ${String(error)}\n`),
    );
  });
}

/** Starts the endpoint with process metrics on; resolves with the address it listens on. */
export function listenForMetrics(server: Server, port: number, host: string): Promise<AddressInfo> {
  webMetrics().collectProcessMetrics();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/**
 * WEB_METRICS_PORT (empty: no endpoint) and WEB_METRICS_HOST (default 127.0.0.1), read by server.ts;
 * a bad port stops the server at start-up with the variable's name.
 */
export function metricsAddress(
  env: Record<string, string | undefined>,
): { port: number; host: string } | null {
  const raw = env["WEB_METRICS_PORT"]?.trim();
  if (!raw) return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`WEB_METRICS_PORT: must be a port number 1–65535, not "${raw}"`);
  return { port, host: env["WEB_METRICS_HOST"]?.trim() || "127.0.0.1" };
}
