/**
 * A built-in OpenAI-compatible server: `POST /v1/chat/completions` (streamed or not) and `GET /v1/models`
 * over real HTTP, so the service and its tests exercise the real `openai` SDK path. It answers with a
 * demo reply by default and with scripted replies and failures when a test asks; it records what it
 * received and when clients hung up. It is a standalone server: it knows nothing of the adapters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorBody } from "./completion-wire.js";
import { handleCompletion } from "./handle-completion.js";
import { Recorder, type RecordedRequest } from "./recorder.js";
import { ScriptBook, type Matcher, type Script } from "./script.js";
import { sendJson } from "./write-reply.js";

export type { RecordedRequest } from "./recorder.js";
export type { Fault, Matcher, Script } from "./script.js";

export interface SimulatorOptions {
  /** Delay between deltas for replies that set no pace of their own, in ms; default 25. */
  paceMs?: number;
  /** Delay between the headers and the first chunk for such replies, in ms; default the pace. */
  firstDeltaDelayMs?: number;
  /** Models listed by `GET /v1/models`. */
  models?: string[];
  /** How long the server keeps an idle client connection, in ms; default Node's (5 s). */
  keepAliveMs?: number;
}

export interface Simulator {
  /** The base URL including `/v1`, as the SDK's `baseURL` wants it. Only valid after `listen`. */
  readonly url: string;
  /** Starts listening (port 0 picks a free port); resolves with `url`. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops: ends every open response and connection and clears every timer. */
  close(): Promise<void>;
  /** Queues scripts, consumed one per chat request in order. */
  script(...scripts: Script[]): Simulator;
  /** A standing script for every request whose last user message matches; wins over the queue. */
  when(matcher: Matcher, script: Script): Simulator;
  /** Forgets scripts and recorded requests. */
  reset(): void;
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Client connections open now (that have sent a request). */
  readonly openConnections: number;
  /** Queued scripts not used yet. */
  readonly pendingScripts: number;
  /**
   * Resolves with the time the client closed `request`'s connection early (default: the latest request);
   * rejects after `timeoutMs` (default 2000) if it does not.
   */
  clientClosed(request?: RecordedRequest, timeoutMs?: number): Promise<number>;
}

const maxBodyBytes = 8 * 1024 * 1024;

/** Builds a simulator; call `listen` to start it. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const paceMs = options.paceMs ?? 25;
  const defaults = { paceMs, firstDeltaDelayMs: options.firstDeltaDelayMs ?? paceMs };
  const models = options.models ?? ["parley-simulator", "gpt-4o-mini"];
  const book = new ScriptBook();
  const recorder = new Recorder();
  let url: string | undefined;

  const server = createServer({ noDelay: true }, (req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  if (options.keepAliveMs !== undefined) server.keepAliveTimeout = options.keepAliveMs;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const raw = await readBody(req);
    const [record, exchange] = recorder.record(req, path, parseJson(raw), res);
    if (req.method === "POST" && path === "/v1/chat/completions") {
      return handleCompletion(res, record, exchange, { book, defaults, rawBody: raw });
    }
    exchange.ended = true;
    if (req.method === "GET" && path === "/v1/models") {
      const created = Math.floor(Date.now() / 1000);
      const data = models.map((id) => ({ id, object: "model", created, owned_by: "parley-simulator" }));
      record.response = "models";
      return sendJson(res, 200, { object: "list", data });
    }
    record.response = "status 404";
    const body = errorBody(404, undefined, undefined);
    body.error.message = `Invalid URL (${req.method} ${path})`;
    body.error.code = null;
    sendJson(res, 404, body);
  }

  const simulator: Simulator = {
    get url() {
      if (url === undefined) throw new Error("the simulator is not listening; call listen() first");
      return url;
    },
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          url = `http://${shownHost}:${address.port}/v1`;
          resolve(url);
        });
      });
    },
    close() {
      recorder.endAll();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    script(...scripts) {
      book.enqueue(scripts);
      return simulator;
    },
    when(matcher, script) {
      book.when(matcher, script);
      return simulator;
    },
    reset() {
      book.clear();
      recorder.clear();
    },
    get requests() {
      return recorder.requests;
    },
    get pendingScripts() {
      return book.pending;
    },
    get openConnections() {
      return recorder.openConnections;
    },
    clientClosed(request = recorder.requests.at(-1), timeoutMs = 2000) {
      return recorder.clientClosed(request, timeoutMs);
    },
  };
  return simulator;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
