/**
 * What the simulator remembers of each request: what came in, what it answered, and (for cancellation
 * tests) when a client hung up before the answer was done. Times are `performance.now()` values, so a
 * test in the same process can subtract its own timestamps from them.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Exchange } from "./write-reply.js";

/** One request as the simulator saw it. */
export interface RecordedRequest {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** As received, `authorization` included. */
  readonly headers: IncomingHttpHeaders;
  /** The client's connection it came on: 1 for the simulator's first, 2 for its second, ... */
  readonly connection: number;
  /** The parsed JSON body, or undefined when there was none (or it was not JSON). */
  readonly body: unknown;
  readonly receivedAt: number;
  /** What the simulator did: "reply", "status 429", "stall", "reset", "malformed", "no-done", "hang", ... */
  response: string;
  /** Content deltas written so far. */
  deltasWritten: number;
  /** When the simulator finished, or itself broke off, the response; null while it is open. */
  endedAt: number | null;
  /** When the client closed the connection before the simulator was done (an abort); else null. */
  clientClosedAt: number | null;
}

/** The requests of one simulator and the exchanges still open. */
export class Recorder {
  readonly requests: RecordedRequest[] = [];
  /** Connections by socket, numbered as first seen; and how many are open now. */
  private readonly connections = new WeakMap<Socket, number>();
  private connectionCount = 0;
  private openCount = 0;
  private readonly open = new Map<AbortController, Exchange>();
  private readonly closeListeners = new Set<() => void>();

  /** How many client connections are open now. */
  get openConnections(): number {
    return this.openCount;
  }

  private connectionOf(socket: Socket): number {
    let number = this.connections.get(socket);
    if (number === undefined) {
      this.connections.set(socket, (number = ++this.connectionCount));
      this.openCount++;
      socket.once("close", () => this.openCount--);
    }
    return number;
  }

  /** Records a request and ties its response's life to a new exchange. */
  record(
    req: IncomingMessage,
    path: string,
    body: unknown,
    res: ServerResponse,
  ): [RecordedRequest, Exchange] {
    const record: RecordedRequest = {
      index: this.requests.length,
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      connection: this.connectionOf(req.socket),
      body,
      receivedAt: performance.now(),
      response: "",
      deltasWritten: 0,
      endedAt: null,
      clientClosedAt: null,
    };
    this.requests.push(record);
    const controller = new AbortController();
    const exchange: Exchange = { signal: controller.signal, ended: false, record };
    this.open.set(controller, exchange);
    res.on("close", () => {
      this.open.delete(controller);
      const now = performance.now();
      if (exchange.ended || res.writableFinished) record.endedAt ??= now;
      else {
        record.clientClosedAt = now;
        for (const listener of this.closeListeners) listener();
      }
      controller.abort(); // stops the reply's timers: nothing is written after the close
    });
    return [record, exchange];
  }

  /** Ends every open exchange as the simulator's own doing (so it is not recorded as a client abort). */
  endAll(): void {
    for (const [controller, exchange] of this.open) {
      exchange.ended = true;
      controller.abort();
    }
  }

  clear(): void {
    this.requests.length = 0;
  }

  /** Resolves with the time the client closed `request` early; rejects after `timeoutMs`. */
  clientClosed(request: RecordedRequest | undefined, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!request) return reject(new Error("no request has been received"));
      const check = () => {
        if (request.clientClosedAt === null) return;
        cleanup();
        resolve(request.clientClosedAt);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`request ${request.index} was not closed by the client within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.closeListeners.delete(check);
      };
      this.closeListeners.add(check);
      check();
    });
  }
}
