/**
 * The web app's HTTP server, without Next: `server.ts` builds it around Next's request handler. Owning
 * the socket gives the app what `next start` hides: the peer's real address (for rate limits), routes
 * served on the Node request and response without Next (node-routes.ts: /api/trpc and its SSE), and a
 * metrics port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { describeError, type Logger } from "./logger.js";
import { remoteAddressHeader } from "./remote-address.js";
import { nodeRouteFor } from "./node-routes.js";
import { inRequest, newRequestId, requestIdHeader } from "./request-context.js";

export { remoteAddressHeader };

/** Answered here, without Next: a cheap liveness probe for load balancers and container health checks. */
export const healthPath = "/healthz";

export type NodeRequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** An HTTP server that hands every request to its registered node route or else `handle`; not listening yet. */
export function createNodeServer(handle: NodeRequestHandler, log: Logger): Server {
  const server = createServer((request, response) => {
    if (request.url === healthPath) {
      response.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" }).end("ok\n");
      return;
    }
    stampRemoteAddress(request);
    // Once closing, a connection whose last request ends is closed rather than kept alive for more.
    response.once("finish", () => {
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    });
    // Every request gets an id (answered in x-request-id): its log lines and its calls to the service carry it.
    const requestId = newRequestId(request.headers[requestIdHeader]);
    response.setHeader(requestIdHeader, requestId);
    const route = nodeRouteFor(request.url) ?? handle;
    inRequest(requestId, () => route(request, response)).catch((error: unknown) => {
      log.error("request failed outside Next", { url: request.url, ...describeError(error) });
      if (!response.headersSent) {
        response.statusCode = 500;
        response.end();
      } else {
        response.destroy();
      }
    });
  });
  return server;
}

function stampRemoteAddress(request: IncomingMessage): void {
  request.headers[remoteAddressHeader] = request.socket.remoteAddress ?? "";
  // Next reads `headers`; the raw list is kept consistent for anything that reads that instead.
  const raw: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() !== remoteAddressHeader) {
      raw.push(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
    }
  }
  raw.push(remoteAddressHeader, request.headers[remoteAddressHeader]);
  request.rawHeaders = raw;
}

/**
 * Stops taking connections, closes idle ones, lets requests in flight finish for up to `graceMs`, then
 * cuts what is left (an SSE stream never ends by itself; its browser reconnects with its last event id).
 */
export async function closeNodeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(cut);
}
