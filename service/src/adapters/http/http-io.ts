/** Small request/response helpers shared by the plain HTTP endpoints (HTTP/1.1 and HTTP/2 alike). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { httpError, type HttpError } from "./http-errors.js";

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** Reads the body up to `maxBytes`; a larger body is refused with 413 before it is all read. */
export async function readBody(request: HttpRequest, maxBytes: number): Promise<Buffer | HttpError> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxBytes)
    return httpError(413, "request.too_large", `the body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes)
      return httpError(413, "request.too_large", `the body is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendText(
  response: HttpResponse,
  status: number,
  contentType: string,
  payload: string,
  headers: Record<string, string> = {},
): void {
  (response as ServerResponse).writeHead(status, {
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(payload),
  });
  response.end(payload);
}

export function sendJson(
  response: HttpResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendText(response, status, "application/json; charset=utf-8", JSON.stringify(body), headers);
}

/** Sends the error's JSON body, with `Retry-After` when it passes with time (429). */
export function sendError(response: HttpResponse, error: HttpError): void {
  const retry = error.retryAfterSeconds;
  sendJson(response, error.status, error.body, retry === undefined ? {} : { "retry-after": String(retry) });
}
