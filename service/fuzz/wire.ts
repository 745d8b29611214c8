/**
 * Sends one fuzzed request as raw bytes over HTTP/1.1 or h2c (no Connect client in the way, so anything
 * can be sent) and reads what came back: the HTTP status, the RPC code wherever the protocol put it
 * (gRPC trailers or headers, a gRPC-Web trailer frame, a Connect end-stream message or error body), and
 * the ids of any reply the server started.
 */
import http from "node:http";
import http2 from "node:http2";
import { gunzipSync } from "node:zlib";

export interface FuzzRequest {
  transport: "h1" | "h2";
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Hang up after this long (a client that gives up); the outcome is then `client-timeout`. */
  hangUpAfterMs?: number;
}

export interface StartedReply {
  chatId: string;
  replyId: string;
}

export interface Outcome {
  /** null when the exchange failed below HTTP (reset, refused, our own timeout). */
  httpStatus: number | null;
  /** The RPC code's name (Connect spelling: `invalid_argument`), when the response carried one. */
  code: string | null;
  /** Replies the response announced (`started` events). */
  started: StartedReply[];
  /** A `chat_id` from a `POST /chat` answer. */
  chatId?: string;
  transportError?: string;
  /** The first bytes of the body, for reports. */
  bodyPreview: string;
}

const codeNames = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

type Headers = Record<string, string | string[] | number | undefined>;
interface Raw {
  status: number;
  headers: Headers;
  trailers: Headers;
  body: Buffer;
}

/** Decodes a reply event from a data frame or JSON message: the started event's ids, if it is one. */
export type EventDecoder = (payload: Uint8Array, json: boolean) => StartedReply | null;

export async function send(
  baseUrl: string,
  request: FuzzRequest,
  decodeEvent: EventDecoder,
  timeoutMs = 20_000,
): Promise<Outcome> {
  let raw: Raw;
  try {
    raw = await (request.transport === "h2" ? sendH2 : sendH1)(baseUrl, request, timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { httpStatus: null, code: null, started: [], transportError: message, bodyPreview: "" };
  }
  return interpret(raw, decodeEvent);
}

function interpret(raw: Raw, decodeEvent: EventDecoder): Outcome {
  const contentType = String(raw.headers["content-type"] ?? "");
  const outcome: Outcome = {
    httpStatus: raw.status,
    code: grpcCode(raw.trailers["grpc-status"] ?? raw.headers["grpc-status"]),
    started: [],
    bodyPreview: raw.body.subarray(0, 200).toString("latin1"),
  };
  const enveloped = /^application\/(grpc|connect\+)/.test(contentType);
  if (enveloped) {
    const json = contentType.includes("json");
    for (const { flags, payload } of frames(raw.body)) {
      if (flags & 0x80) outcome.code = grpcCode(/grpc-status:\s*(\d+)/i.exec(text(payload))?.[1]);
      else if (flags & 0x02) outcome.code = connectEndStreamCode(payload);
      else {
        try {
          const started = decodeEvent(flags & 0x01 ? gunzipSync(payload) : payload, json);
          if (started) outcome.started.push(started);
        } catch (error) {
          outcome.transportError = `an undecodable response message: ${String(error)}`;
        }
      }
    }
  } else if (contentType.startsWith("application/json")) {
    const body = parseJson(raw.body) as { code?: unknown; chat_id?: unknown } | undefined;
    if (raw.status !== 200 && typeof body?.code === "string") outcome.code = body.code;
    if (raw.status === 200 && typeof body?.chat_id === "string") outcome.chatId = body.chat_id;
  }
  return outcome;
}

function* frames(body: Buffer): Generator<{ flags: number; payload: Buffer }> {
  let at = 0;
  while (at + 5 <= body.length) {
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.length) return;
    yield { flags: body[at]!, payload: body.subarray(at + 5, at + 5 + length) };
    at += 5 + length;
  }
}

function grpcCode(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const number = Number(Array.isArray(value) ? value[0] : value);
  return codeNames[number] ?? `grpc-${String(value)}`;
}

function connectEndStreamCode(payload: Buffer): string {
  const end = parseJson(payload) as { error?: { code?: string } } | undefined;
  return end?.error?.code ?? "ok";
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(text(bytes));
  } catch {
    return undefined;
  }
}

function sendH1(baseUrl: string, request: FuzzRequest, timeoutMs: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: { ...request.headers, "content-length": String(request.body.length) },
      agent: false,
    });
    const limit = Math.min(timeoutMs, request.hangUpAfterMs ?? timeoutMs);
    const timer = setTimeout(() => outgoing.destroy(new Error("client-timeout")), limit);
    outgoing.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          trailers: response.trailers,
          body: Buffer.concat(chunks),
        });
      });
    });
    outgoing.end(request.body);
  });
}

/** One h2c session per base URL, reopened when it dies. */
const sessions = new Map<string, http2.ClientHttp2Session>();

function sessionFor(baseUrl: string): http2.ClientHttp2Session {
  const existing = sessions.get(baseUrl);
  if (existing && !existing.closed && !existing.destroyed) return existing;
  const session = http2.connect(baseUrl);
  session.on("error", () => sessions.delete(baseUrl));
  session.on("close", () => sessions.delete(baseUrl));
  session.on("goaway", () => sessions.delete(baseUrl));
  session.unref();
  sessions.set(baseUrl, session);
  return session;
}

/** Closes the h2c sessions `send` opened. */
export function closeSessions(): void {
  for (const session of sessions.values()) session.destroy();
  sessions.clear();
}

function sendH2(baseUrl: string, request: FuzzRequest, timeoutMs: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const stream = sessionFor(baseUrl).request({
      ...request.headers,
      ":method": request.method,
      ":path": request.path,
    });
    const limit = Math.min(timeoutMs, request.hangUpAfterMs ?? timeoutMs);
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error("client-timeout"));
    }, limit);
    let status = 0;
    let headers: Headers = {};
    let trailers: Headers = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      headers = h;
    });
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    stream.on("close", () => {
      clearTimeout(timer);
      if (status === 0) reject(new Error(`stream closed with code ${stream.rstCode}`));
      else resolve({ status, headers, trailers, body: Buffer.concat(chunks) });
    });
    // Node's client ends a GET's stream with its headers: it takes no body.
    if (["GET", "HEAD"].includes(request.method)) stream.end();
    else stream.end(request.body);
  });
}
