import type { AddressInfo } from "node:net";
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { consoleLogger, type Logger } from "./logger";
import { registerNodeRoute } from "./node-routes";
import { currentRequestId } from "./request-context";
import {
  closeNodeServer,
  createNodeServer,
  healthPath,
  remoteAddressHeader,
  type NodeRequestHandler,
} from "./node-server";

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.listening) await closeNodeServer(server, 0);
  }
});

async function listen(handle: NodeRequestHandler): Promise<{ server: Server; port: number }> {
  const server = createNodeServer(handle, silent);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A GET on a fresh connection, with raw headers (fetch would not send two of one header). */
function get(
  port: number,
  headers: [string, string][] = [],
  path = "/",
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        agent: false,
        headers: [["host", `127.0.0.1:${port}`], ...headers].flat(),
      },
      (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        response.on("error", reject);
      },
    );
    sent.on("error", reject);
    sent.end();
  });
}

describe("the web app's node server", () => {
  it("tells the app the socket's address, whatever a client claims", async () => {
    const seen: { headers: IncomingHttpHeaders; raw: string[] }[] = [];
    const { port } = await listen(async (request, response) => {
      seen.push({ headers: request.headers, raw: request.rawHeaders });
      response.end("ok");
    });

    await get(port);
    await get(port, [
      [remoteAddressHeader, "203.0.113.7"],
      ["X-Parley-Remote-Address", "198.51.100.1"],
    ]);

    expect(seen.map(({ headers }) => headers[remoteAddressHeader])).toEqual(["127.0.0.1", "127.0.0.1"]);
    const rawValues = seen[1]!.raw.filter((_, i, raw) => raw[i - 1]?.toLowerCase() === remoteAddressHeader);
    expect(rawValues).toEqual(["127.0.0.1"]);
  });

  it("hands a registered route's path and what is below it to that route, the rest to the app", async () => {
    registerNodeRoute("/api/own", async (request, response) => {
      response.end(
        `own ${request.url} ${String(request.headers[remoteAddressHeader])} ${currentRequestId() !== null}`,
      );
    });
    const { port } = await listen(async (request, response) => void response.end(`app ${request.url}`));
    const bodies = [];
    for (const path of ["/api/own", "/api/own/chat.send?input=%7B%7D", "/api/owner", "/api", "/"]) {
      bodies.push((await get(port, [], path)).body);
    }
    expect(bodies).toEqual([
      "own /api/own 127.0.0.1 true",
      "own /api/own/chat.send?input=%7B%7D 127.0.0.1 true",
      "app /api/owner",
      "app /api",
      "app /",
    ]);
  });

  it("answers its health path itself, without the app", async () => {
    const { port } = await listen(() => Promise.reject(new Error("the app must not see this")));
    expect(await get(port, [], healthPath)).toEqual({ status: 200, body: "ok\n" });
  });

  it("answers 500 when the handler throws before responding", async () => {
    const errors: string[] = [];
    const server = createNodeServer(
      async () => {
        throw new Error("boom");
      },
      { ...silent, error: (message) => void errors.push(message) },
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { status } = await get((server.address() as AddressInfo).port);
    expect(status).toBe(500);
    expect(errors).toEqual(["request failed outside Next"]);
  });

  it("on close, lets a request in flight finish, then stops listening", async () => {
    let finish = () => {};
    let arrived = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { server, port } = await listen(
      (_request, response) =>
        new Promise<void>((resolve) => {
          arrived();
          finish = () => {
            response.end("finished");
            resolve();
          };
        }),
    );
    const answer = get(port);
    await inFlight;
    const closed = closeNodeServer(server, 60_000);
    expect(server.listening).toBe(false);
    finish();
    expect(await answer).toEqual({ status: 200, body: "finished" });
    await closed;
    await expect(get(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("cuts a request still open when the grace period ends (an SSE stream never ends by itself)", async () => {
    let arrived = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { server, port } = await listen(async (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(": open\n\n");
      arrived();
    });
    const answer = get(port);
    await inFlight;
    await closeNodeServer(server, 0);
    await expect(answer).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});

describe("request ids", () => {
  it("keeps a caller's plain x-request-id, answers it, and makes it current (log lines carry it)", async () => {
    const seen: (string | null)[] = [];
    const lines: string[] = [];
    const { port } = await listen(async (_request, response) => {
      await Promise.resolve();
      seen.push(currentRequestId());
      const write = process.stdout.write;
      process.stdout.write = ((line: string) => (lines.push(line), true)) as typeof process.stdout.write;
      try {
        consoleLogger.info("handled");
      } finally {
        process.stdout.write = write;
      }
      response.end("ok");
    });
    const kept = await fetch(`http://127.0.0.1:${port}/`, { headers: { "x-request-id": "req-7.a" } });
    expect(kept.headers.get("x-request-id")).toBe("req-7.a");
    const replaced = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { "x-request-id": "no spaces <>" },
    });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual(["req-7.a", replaced.headers.get("x-request-id")]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: "handled", request_id: "req-7.a" });
    expect(currentRequestId()).toBeNull();
  });
});
