/**
 * Which connection a call arrived on, for limits that count per connection (health watches). The value
 * is only an identity: the HTTP/2 session, or the HTTP/1.1 socket.
 */
import { createContextKey, createContextValues, type HandlerContext } from "@connectrpc/connect";
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";

const connectionKey = createContextKey<object | undefined>(undefined, { description: "connection" });

/** For connectNodeAdapter's `contextValues`: remembers each call's connection. */
export function connectionContextValues(request: IncomingMessage | Http2ServerRequest) {
  const connection = "stream" in request ? request.stream.session : request.socket;
  return createContextValues().set(connectionKey, connection ?? undefined);
}

export function connectionOf(context: HandlerContext): object | undefined {
  return context.values.get(connectionKey);
}
