/**
 * The BFF's two HTTP faces for tests that drive it with Fetch requests: the route handler (Next's
 * /api/trpc route, what `next dev` serves) called in-process, and the Node handler (what the web app's
 * own server serves) on a real `createNodeServer` socket, reached over HTTP/1.1 with the request's own
 * headers (Node's `http`, which, unlike `fetch`, adds no `Sec-Fetch-*` of its own).
 */
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { closeNodeServer, createNodeServer } from "~/server/node-server";
import { createTrpcHandler, type TrpcHandlerDeps } from "~/server/trpc/http-handler";
import { createNodeTrpcHandler } from "~/server/trpc/node-trpc-handler";

export type TrpcFace = "route handler" | "Node server";
export const trpcFaces: TrpcFace[] = ["route handler", "Node server"];

export interface ServedTrpc {
  handle(request: Request): Promise<Response>;
  close(): Promise<void>;
}

export async function serveTrpc(face: TrpcFace, deps: TrpcHandlerDeps): Promise<ServedTrpc> {
  if (face === "route handler") return { handle: createTrpcHandler(deps), close: async () => {} };
  const server = createNodeServer(createNodeTrpcHandler(deps), deps.log);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    handle: (request) => requestOverHttp(port, request),
    close: () => closeNodeServer(server, 0),
  };
}

/** `request` sent to 127.0.0.1:`port` (its path, method, headers and body); its abort signal aborts it. */
async function requestOverHttp(port: number, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : null;
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: request.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        agent: false,
        signal: request.signal,
      },
      (incoming) => {
        const headers = new Headers();
        for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
          headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
        }
        const stream = Readable.toWeb(incoming) as ReadableStream<Uint8Array>;
        resolve(new Response(stream, { status: incoming.statusCode ?? 0, headers }));
      },
    );
    sent.on("error", reject);
    sent.end(body ?? undefined);
  });
}
