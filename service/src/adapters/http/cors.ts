/**
 * CORS for browser Connect and gRPC-Web clients from the configured origins only. Other origins get no
 * CORS headers, so browsers refuse to read the responses.
 */
import { cors } from "@connectrpc/connect";
import type { HttpRequest, HttpResponse } from "./http-io.js";

const allowHeaders = [...cors.allowedHeaders, "Authorization"].join(", ");
const allowMethods = cors.allowedMethods.join(", ");
const exposeHeaders = cors.exposedHeaders.join(", ");

/** Returns true when it answered the request itself (a preflight). */
export function createCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (request: HttpRequest, response: HttpResponse): boolean => {
    const origin = request.headers.origin;
    if (!origin || !(allowed.has(origin) || allowed.has("*"))) return false;
    response.setHeader("access-control-allow-origin", origin);
    response.setHeader("vary", "Origin");
    if (request.method === "OPTIONS") {
      response.setHeader("access-control-allow-methods", allowMethods);
      response.setHeader("access-control-allow-headers", allowHeaders);
      response.setHeader("access-control-max-age", "7200");
      response.writeHead(204);
      response.end();
      return true;
    }
    response.setHeader("access-control-expose-headers", exposeHeaders);
    return false;
  };
}
