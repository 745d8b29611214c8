/**
 * A malformed binary request is the caller's error: INVALID_ARGUMENT, as for malformed JSON. connect-node
 * parses a request before any interceptor runs and reports a protobuf that does not decode (invalid
 * UTF-8 in a string, a length past the end, an illegal wire type) as INTERNAL. So each handler is
 * wrapped where parsing happens: the single input message of a unary or server-streaming call in binary
 * form is decoded first, and one that does not decode is answered INVALID_ARGUMENT in the caller's own
 * protocol, with Connect's own encoders. So is a body whose framing is wrong (a cut or extra envelope,
 * unknown flags, a compressed flag with no encoding, gzip that does not inflate); a gzipped message is
 * inflated and checked like any other. What this does not fully understand — other encodings, a body
 * over the size limit, JSON, GET — passes through to Connect unchanged.
 */
import { gunzipSync } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  encodeEnvelope,
  type UniversalHandler,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { endStreamFlag, endStreamToJson, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

type Framing = "grpc" | "grpc-web" | "connect-unary" | "connect-stream";

/** The protocol's framing, and whether the message is JSON (its framing is checked, Connect parses it). */
function framingOf(contentType: string | null): { framing: Framing; json: boolean } | null {
  const type = contentType?.split(";", 1)[0]!.trim().toLowerCase() ?? "";
  const json = type.endsWith("+json");
  const base = type.replace(/\+(proto|json)$/, "");
  if (base === "application/grpc") return { framing: "grpc", json };
  if (base === "application/grpc-web") return { framing: "grpc-web", json };
  if (type === "application/proto") return { framing: "connect-unary", json };
  if (base === "application/connect") return { framing: "connect-stream", json };
  return null;
}

/** Wraps every single-input handler of `router`; call after every service is registered. */
export function checkBinaryRequests(router: ConnectRouter, maxRequestBytes: number): void {
  const handlers = router.handlers;
  handlers.forEach((handler, index) => {
    const kind = handler.method.methodKind;
    if (kind === "unary" || kind === "server_streaming") handlers[index] = checked(handler, maxRequestBytes);
  });
}

function checked(handler: UniversalHandler, maxRequestBytes: number): UniversalHandler {
  const wrapped = async (request: Parameters<UniversalHandler>[0]): Promise<UniversalServerResponse> => {
    const format = framingOf(request.header.get("content-type"));
    const body = request.body;
    if (format === null || request.method !== "POST" || !isByteStream(body)) return handler(request);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const iterator = body[Symbol.asyncIterator]();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      chunks.push(next.value);
      size += next.value.byteLength;
      // Too large for us to judge: Connect enforces the limit itself, on the whole body.
      if (size > maxRequestBytes + 5) return handler({ ...request, body: replay(chunks, iterator) });
    }
    const { framing } = format;
    const bytes = Buffer.concat(chunks);
    const encoding = request.header.get(encodingHeader[framing])?.trim().toLowerCase() || "identity";
    const payload =
      framing === "connect-unary"
        ? inflated(bytes, encoding, maxRequestBytes)
        : singleEnvelope(bytes, encoding, maxRequestBytes);
    const problem =
      payload instanceof ConnectError ? payload : payload && !format.json && decodeProblem(handler, payload);
    if (problem) return refusal(framing, request.header.get("content-type")!, problem);
    return handler({ ...request, body: replay([bytes], undefined) });
  };
  return Object.assign(wrapped, handler);
}

/** Where each protocol names the compression of the request's message. */
const encodingHeader: Record<Framing, string> = {
  grpc: "grpc-encoding",
  "grpc-web": "grpc-encoding",
  "connect-unary": "content-encoding",
  "connect-stream": "connect-content-encoding",
};

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

/**
 * The payload of a body that is exactly one envelope, gunzipped when it says so; an error for a framing
 * no client sends (a compressed flag without an encoding, unknown flags, two messages for one, a gzip
 * that does not inflate); null for what Connect judges itself (an empty body, an encoding we do not
 * support: UNIMPLEMENTED).
 */
function singleEnvelope(bytes: Buffer, encoding: string, maxBytes: number): Buffer | ConnectError | null {
  if (bytes.length === 0) return null;
  if (bytes.length < 5) return malformed("a message envelope is cut short");
  const length = bytes.readUInt32BE(1);
  if (bytes.length < 5 + length) return malformed("a message envelope is cut short");
  if (bytes.length > 5 + length) return malformed("more than one message for a single-message call");
  const flags = bytes[0]!;
  const payload = bytes.subarray(5);
  if (flags === 0) return payload;
  if (flags !== 1) return malformed(`unknown envelope flags 0x${flags.toString(16)}`);
  if (encoding === "identity") return malformed("a compressed message, but no encoding is named");
  return inflated(payload, encoding, maxBytes);
}

const malformed = (why: string) => new ConnectError(`the request is malformed: ${why}`, Code.InvalidArgument);

/** A message in the named encoding, as plain bytes; null for an encoding Connect judges itself. */
function inflated(payload: Buffer, encoding: string, maxBytes: number): Buffer | ConnectError | null {
  if (encoding === "identity") return payload;
  if (encoding !== "gzip") return null;
  try {
    return gunzipSync(payload, { maxOutputLength: maxBytes });
  } catch {
    return malformed("the message does not inflate as gzip (or inflates past the size limit)");
  }
}

function decodeProblem(handler: UniversalHandler, payload: Uint8Array): ConnectError | null {
  try {
    fromBinary(handler.method.input, payload);
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new ConnectError(
      `the request is not a valid ${handler.method.input.typeName}: ${reason}`,
      Code.InvalidArgument,
    );
  }
}

/**
 * The body again: the chunks already read, then the rest. Each read chunk is let go once taken:
 * connect-node keeps the request's pipeline, and so this generator's frame, for the whole call, and a
 * small chunk is a view into an 8 KiB pooled buffer (Buffer.concat) that would otherwise stay alive
 * with every open stream (measured: ~2 KB per stream, docs/benchmarks.md, "Per-stream memory").
 */
async function* replay(
  read: Uint8Array[],
  rest: AsyncIterator<Uint8Array> | undefined,
): AsyncGenerator<Uint8Array> {
  while (read.length > 0) yield read.shift()!;
  if (!rest) return;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** The error response each protocol sends for a request it refused before any message. */
function refusal(framing: Framing, contentType: string, error: ConnectError): UniversalServerResponse {
  switch (framing) {
    case "grpc":
      return {
        status: 200,
        header: new Headers({ "content-type": contentType }),
        trailer: setTrailerStatus(new Headers(), error),
      };
    case "grpc-web": {
      const trailer = trailerSerialize(setTrailerStatus(new Headers(), error));
      return {
        status: 200,
        header: new Headers({ "content-type": contentType }),
        body: replay([encodeEnvelope(trailerFlag, trailer)], undefined),
      };
    }
    case "connect-unary":
      return {
        status: 400,
        header: new Headers({ "content-type": "application/json" }),
        body: replay([errorToJsonBytes(error, undefined)], undefined),
      };
    case "connect-stream": {
      const end = new TextEncoder().encode(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
      return {
        status: 200,
        header: new Headers({ "content-type": contentType }),
        body: replay([encodeEnvelope(endStreamFlag, end)], undefined),
      };
    }
  }
}
