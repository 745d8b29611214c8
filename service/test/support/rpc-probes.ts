/**
 * Small probes for integration tests over a running Parley: drain a reply stream keeping how it ended,
 * expect a call to fail with a Connect code, count what the database holds, and speak raw HTTP/2 gRPC
 * or Connect framing for requests a generated client cannot send.
 *
 * ```ts
 * const reply = await collectReply(client.sendMessage({ userId, text: "hi" }));
 * expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
 * const error = await expectCode(client.getChat({ userId, chatId }), Code.NotFound);
 * ```
 */
import http2 from "node:http2";
import type { RowDataPacket } from "mysql2/promise";
import { expect } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ReplyDelta, ReplyEvent, ReplyFinished, ReplyStarted } from "@parley/gen/parley/chat/v1/chat_pb";
import type { Harness } from "./parley-harness.js";

/** A drained reply stream: its events by kind, and the error that ended it (undefined when it ended OK). */
export interface CollectedReply {
  started: ReplyStarted | undefined;
  deltas: ReplyDelta[];
  finished: ReplyFinished | undefined;
  /** Every event's kind in order, e.g. `["started", "delta", "finished"]`. */
  kinds: string[];
  text: string;
  error: ConnectError | undefined;
  /** performance.now() of each delta's arrival, and of the stream's end. */
  deltaTimes: number[];
  endedAt: number;
}

/** Drains a SendMessage or WatchReply stream; a ConnectError ending it is kept, anything else rethrown. */
export async function collectReply(
  stream: AsyncIterable<{ event?: ReplyEvent | undefined }>,
): Promise<CollectedReply> {
  const reply: CollectedReply = {
    started: undefined,
    deltas: [],
    finished: undefined,
    kinds: [],
    text: "",
    error: undefined,
    deltaTimes: [],
    endedAt: 0,
  };
  try {
    for await (const { event } of stream) {
      const kind = event?.kind;
      if (!kind?.case) continue;
      reply.kinds.push(kind.case);
      if (kind.case === "started") reply.started = kind.value;
      else if (kind.case === "delta") {
        reply.deltas.push(kind.value);
        reply.deltaTimes.push(performance.now());
        reply.text += kind.value.text;
      } else reply.finished = kind.value;
    }
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    reply.error = error;
  }
  reply.endedAt = performance.now();
  return reply;
}

/** A unary call, a stream, or a function making one (so a list of calls runs one at a time). */
export type Call =
  Promise<unknown> | AsyncIterable<unknown> | (() => Promise<unknown> | AsyncIterable<unknown>);

/**
 * Expects a unary call, or a stream, to fail with `code` before or while it runs; returns the error.
 * Streams are drained, so an error sent after some responses counts too.
 */
export async function expectCode(call: Call, code: Code): Promise<ConnectError> {
  let caught: unknown;
  try {
    const running = typeof call === "function" ? call() : call;
    if (Symbol.asyncIterator in running) for await (const _ of running);
    else await running;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${Code[code]}, but the call succeeded`).toBeInstanceOf(ConnectError);
  const error = caught as ConnectError;
  expect(Code[error.code], error.rawMessage).toBe(Code[code]);
  return error;
}

/** How many chats and messages the harness's database holds, overall or for one user. */
export async function rowCounts(
  harness: Harness,
  userId?: string,
): Promise<{ chats: number; messages: number }> {
  const where = userId === undefined ? "" : " WHERE c.user_id = ?";
  const params = userId === undefined ? [] : [userId];
  const [[chats]] = await harness.database.pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM chats c${where}`,
    params,
  );
  const [[messages]] = await harness.database.pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM messages m JOIN chats c ON c.id = m.chat_id${where}`,
    params,
  );
  return { chats: Number(chats?.["n"]), messages: Number(messages?.["n"]) };
}

/** Replies the database still has as `streaming`: there should be none once every stream has ended. */
export async function streamingReplies(harness: Harness): Promise<number> {
  const [[row]] = await harness.database.pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM messages WHERE status = 'streaming'",
  );
  return Number(row?.["n"]);
}

/** A length-prefixed message as gRPC and Connect streaming frame it (flags 0). */
export function envelope(payload: Uint8Array, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Splits a body into its envelopes (Connect streaming, gRPC-Web). */
export function splitEnvelopes(body: Buffer): { flags: number; data: Buffer }[] {
  const frames: { flags: number; data: Buffer }[] = [];
  for (let at = 0; at + 5 <= body.length;) {
    const length = body.readUInt32BE(at + 1);
    frames.push({ flags: body.readUInt8(at), data: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return frames;
}

/** What a raw HTTP/2 request got back: status, headers and trailers together, and the body. */
export interface RawHttp2Response {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One raw HTTP/2 POST on its own session (h2c prior knowledge), for bytes no generated client sends. */
export function rawHttp2Post(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<RawHttp2Response> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on("error", reject);
    const request = session.request({ ":method": "POST", ":path": path, ...headers });
    const collected: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let status = 0;
    const keep = (block: http2.IncomingHttpHeaders) => {
      for (const [name, value] of Object.entries(block)) {
        if (value !== undefined) collected[name] = Array.isArray(value) ? value.join(", ") : String(value);
      }
    };
    request.on("response", (block) => {
      status = Number(block[":status"]);
      keep(block);
    });
    request.on("trailers", keep);
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      session.close();
      resolve({ status, headers: collected, body: Buffer.concat(chunks) });
    });
    request.end(body);
  });
}
