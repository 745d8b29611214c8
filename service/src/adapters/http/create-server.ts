/**
 * One cleartext port for everything: gRPC and Connect over h2c, Connect and gRPC-Web over HTTP/1.1, plus
 * plain HTTP endpoints. Each connection's first bytes decide: the HTTP/2 preface (`PRI * HTTP/2.0`) goes
 * to the HTTP/2 server, anything else to the HTTP/1.1 server — as connect-go services do with h2c.
 * Built without listening, so tests start it on port 0 with whatever dependencies they choose.
 */
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server, type Http2Session } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../../application/ports.js";
import { connectionContextValues } from "../connect/connection-context.js";
import {
  closeWhenIdle,
  createAddressCap,
  firstRequestDeadline,
  type ConnectionLimits,
} from "./connection-limits.js";
import { createCors } from "./cors.js";
import { httpError } from "./http-errors.js";
import { sendError, type HttpRequest, type HttpResponse } from "./http-io.js";
import { sniffProtocol } from "./protocol-sniffer.js";

export type HttpHandler = (request: HttpRequest, response: HttpResponse) => void | Promise<void>;

export interface ServerOptions {
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  /** Plain HTTP endpoints by exact path (`/chat`, webhooks). */
  httpRoutes: Record<string, HttpHandler>;
  corsOrigins: readonly string[];
  /** Largest request message, per message (Connect's default is ~4 GiB). */
  maxRequestBytes: number;
  /** Largest deadline a client may ask for; more is INVALID_ARGUMENT. */
  maxDeadlineMs: number;
  limits: ConnectionLimits;
  logger: Logger;
}

export interface ParleyServer {
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops taking new connections; open ones keep working until close(). */
  stopAccepting(): void;
  /** Ends every connection (GOAWAY on HTTP/2) and resolves when the port is released. */
  close(): Promise<void>;
}

/** How long closing waits for calls to end on their own, and again after telling handlers to end. */
const drainMs = 500;

export function createServer(options: ServerOptions): ParleyServer {
  // Aborted at close: handlers still running (health watches, anything past the grace) end UNAVAILABLE.
  const shutdown = new AbortController();
  const connect = connectNodeAdapter({
    shutdownSignal: shutdown.signal,
    routes: options.routes,
    interceptors: options.interceptors,
    readMaxBytes: options.maxRequestBytes,
    maxTimeoutMs: options.maxDeadlineMs,
    contextValues: connectionContextValues,
  });
  const cors = createCors(options.corsOrigins);
  const handle: HttpHandler = (request, response) => {
    if (cors(request, response)) return;
    const path = (request.url ?? "/").split("?", 1)[0]!;
    const route = options.httpRoutes[path];
    if (!route) return connect(request, response);
    Promise.resolve(route(request, response)).catch(() => {
      if (!response.headersSent) sendError(response, httpError(500, "internal", "internal error"));
      else response.end();
    });
  };

  const { limits } = options;
  /** Called once a connection's first request has arrived: its deadline no longer applies. */
  const firstRequestServed = new WeakMap<Socket, () => void>();

  const http1 = createHttp1Server(
    {
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.firstRequestTimeoutMs,
      // Bodies are small (maxRequestBytes); a response may stream for long, which this does not limit.
      requestTimeout: Math.max(60_000, limits.firstRequestTimeoutMs),
      // How often those timeouts are checked (Node's default, 30 s, would let them run over by that much).
      connectionsCheckingInterval: 1_000,
    },
    (request, response) => {
      firstRequestServed.get(request.socket)?.();
      void handle(request, response);
    },
  );
  const http2 = createHttp2Server(
    { settings: { maxConcurrentStreams: limits.maxConcurrentStreams } },
    handle,
  );
  /** Open HTTP/2 sessions and the socket each runs on. */
  const sessions = new Map<Http2Session, Socket | null>();
  /** The socket being handed to the HTTP/2 server: its session is created synchronously from it. */
  let arriving: Socket | null = null;
  http2.on("session", (session) => {
    sessions.set(session, arriving);
    session.once("close", () => sessions.delete(session));
    const served = arriving && firstRequestServed.get(arriving);
    if (served) session.once("remoteSettings", served);
    closeWhenIdle(session, limits.http2IdleTimeoutMs);
  });

  const addressCap = createAddressCap(limits.maxConnectionsPerAddress, options.logger);
  const accept = (socket: Socket) => {
    socket.once("error", () => socket.destroy());
    if (!addressCap.admit(socket)) return socket.destroy();
    firstRequestServed.set(socket, firstRequestDeadline(socket, limits.firstRequestTimeoutMs));
    sniffProtocol(socket, (protocol) => {
      if (protocol === "http1") return http1.emit("connection", socket);
      arriving = socket;
      http2.emit("connection", socket);
      arriving = null;
    });
  };
  const listener = createNetServer({ noDelay: true }, accept);

  return {
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, host, () => resolve(listener.address() as AddressInfo));
      });
    },
    stopAccepting() {
      if (listener.listening) listener.close();
    },
    async close() {
      const released = new Promise<void>((resolve) =>
        listener.listening ? listener.close(() => resolve()) : resolve(),
      );
      const drained = Promise.all([
        new Promise<void>((resolve) => http2.close(() => resolve())),
        new Promise<void>((resolve) => http1.close(() => resolve())),
        ...[...sessions].map(([session, socket]) => {
          return new Promise<void>((resolve) => {
            session.once("close", resolve);
            socket?.once("close", resolve);
          });
        }),
      ]);
      // First let calls that are ending flush their last messages (GOAWAY lets open streams finish)...
      for (const session of sessions.keys()) session.close();
      http1.closeIdleConnections();
      // ...then end what would run on (health watches): their handlers see UNAVAILABLE...
      const endHandlers = setTimeout(() => {
        shutdown.abort(new ConnectError("the server is shutting down", Code.Unavailable));
        http1.closeIdleConnections();
      }, drainMs);
      // ...and finally cut whatever still hangs on.
      const force = setTimeout(() => {
        // A destroyed session still waits for its socket to flush, which a peer that stopped reading
        // never lets happen: cut the socket too.
        for (const [session, socket] of sessions) {
          session.destroy();
          socket?.destroy();
        }
        http1.closeAllConnections();
      }, drainMs * 2);
      await Promise.all([released, drained]);
      clearTimeout(endHandlers);
      clearTimeout(force);
    },
  };
}
