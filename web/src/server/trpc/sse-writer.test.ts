/**
 * The Node server's SSE writer against tRPC's own producer (the same bytes, so `httpSubscriptionLink`
 * reads it as it reads tRPC), over a real socket: one socket write for the events of one turn, and a
 * browser that leaves ends the events' iteration.
 */
import { createServer, get, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tracked, TRPCError } from "@trpc/server";
import { sseStreamProducer } from "@trpc/server/unstable-core-do-not-import";
import { afterEach, describe, expect, it } from "vitest";
import { writeSse, type SseWriterOptions } from "./sse-writer";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const client = { reconnectAfterInactivityMs: 25_000 };
const formatError = (error: unknown) => ({ message: (error as Error).message, code: -32603 });

function options(overrides: Partial<SseWriterOptions> = {}): SseWriterOptions {
  return {
    serialize: (data) => data,
    formatError,
    client,
    pingMs: 0,
    lastEventId: null,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Serves `events` with writeSse; `onSocket` sees the server's side of the connection. */
async function serve(
  events: () => AsyncIterable<unknown>,
  writerOptions: Partial<SseWriterOptions> = {},
  onSocket: (socket: Socket) => void = () => {},
): Promise<number> {
  const server = createServer((_request, response) => {
    onSocket(response.socket!);
    void writeSse(response, events(), options(writerOptions));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function read(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (text: string) => (body += text));
      response.on("end", () => resolve(body));
      response.on("error", reject);
    }).on("error", reject);
  });
}

async function trpcProducerText(events: AsyncIterable<unknown>, lastEventId: string | null = null) {
  const stream = sseStreamProducer({
    data: events,
    client,
    formatError: ({ error }) => formatError(error),
    lastEventId,
  });
  return new Response(stream).text();
}

async function* replyEvents() {
  yield tracked("r1:0", { type: "started", replyId: "r1" });
  yield tracked("r1:5", { type: "delta", text: "Hello", offset: 0 });
  // An untracked event after a tracked one: its id is cleared, then restored by a `restore-id` event.
  yield { type: "note" };
  yield tracked("r1:11", { type: "delta", text: " world", offset: 5 });
}

describe("writeSse", () => {
  it("writes what tRPC's own SSE producer writes: connected, ids, restore-id, return", async () => {
    const port = await serve(replyEvents);
    const text = await read(port);
    expect(text).toBe(await trpcProducerText(replyEvents()));
    expect(text).toContain('data: {"type":"delta","text":"Hello","offset":0}\nid: r1:5\n\n\n');
    expect(text.endsWith("event: return\ndata: \n\n\n")).toBe(true);
  });

  it("ends with tRPC's serialized-error when the events fail", async () => {
    async function* failing() {
      yield tracked("r1:0", { type: "started", replyId: "r1" });
      throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: "Slow down." });
    }
    const text = await read(await serve(failing));
    expect(text).toBe(await trpcProducerText(failing()));
    expect(text.endsWith('event: serialized-error\ndata: {"message":"Slow down.","code":-32603}\n\n\n')).toBe(
      true,
    );
  });

  it("repeats the id a browser resumed from after an untracked first event, as tRPC does", async () => {
    async function* untracked() {
      yield { type: "ready" };
    }
    const text = await read(await serve(untracked, { lastEventId: "r1:7" }));
    expect(text).toBe(await trpcProducerText(untracked(), "r1:7"));
    expect(text).toContain("event: restore-id\ndata: \nid: r1:7\n");
  });

  it("sends the events taken in one turn of the event loop in one socket write", async () => {
    const writes: number[] = [];
    const countWrites = (socket: Socket) => {
      const internals = socket as unknown as Record<"_write" | "_writev", (...args: unknown[]) => void>;
      const write = internals._write.bind(socket);
      const writev = internals._writev.bind(socket);
      internals._write = (...args) => void (writes.push(1), write(...args));
      internals._writev = (chunks, ...rest) =>
        void (writes.push((chunks as unknown[]).length), writev(chunks, ...rest));
    };
    // Every event is ready at once (as when the service's stream delivered several in one read).
    const text = await read(await serve(replyEvents, {}, countWrites));
    expect(text.match(/^data: /gm)).toHaveLength(7);
    // The head and `connected` leave in the request's own turn; the events, restore-id, return and the
    // body's end in the next, as one writev.
    expect(writes).toHaveLength(2);
  });

  it("stops taking events when the browser leaves, and ends their iteration", async () => {
    let ended = false;
    let taken = 0;
    async function* endless() {
      try {
        for (;;) {
          taken++;
          yield tracked(`r1:${taken}`, { type: "delta", text: "x", offset: taken - 1 });
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        ended = true;
      }
    }
    const port = await serve(endless);
    await new Promise<void>((resolve, reject) => {
      const request = get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => {
        response.once("data", () => {
          request.destroy();
          resolve();
        });
      });
      request.on("error", () => {});
      request.on("close", resolve);
      request.on("timeout", reject);
    });
    await expect.poll(() => ended, { interval: 5 }).toBe(true);
    const atEnd = taken;
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken).toBe(atEnd);
  });
});
