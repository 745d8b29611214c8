// What a client nobody authenticated can hold of the server is bounded: connections that never finish a
// first request are closed, connections per address and health watches are capped, idle HTTP/2 sessions
// are closed. Each limit is tested at the limit, and an authenticated client elsewhere is still served.
import http2 from "node:http2";
import { connect, type Socket } from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { Health } from "@parley/gen/grpc/health/v1/health_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({
    limits: {
      firstRequestTimeoutMs: 300,
      http2IdleTimeoutMs: 300,
      maxConcurrentStreams: 3,
      maxConnectionsPerAddress: 6,
      maxHealthWatches: 3,
      maxHealthWatchesPerConnection: 2,
    },
  });
});
afterAll(() => harness?.stop());

/** A raw TCP connection to the server from `localAddress`; `closed` resolves when the server ends it. */
async function rawSocket(localAddress = "127.0.0.1") {
  const socket = connect({ host: "127.0.0.1", port: harness.port, localAddress, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, closed, received: () => received };
}

const isClosed = (socket: Socket) => socket.destroyed || socket.readyState === "closed";

/** An authenticated call on a connection of its own succeeds. */
async function othersAreServed() {
  const chats = await harness.client("grpc").listChats({ userId: "someone" });
  expect(chats.chats).toEqual([]);
}

describe("a connection that never completes its first request", () => {
  it.each([
    ["sends nothing", ""],
    ["sends a lone P", "P"],
    ["sends half an HTTP/1.1 request line", "POST /parley.chat.v1.Chat"],
    ["sends the HTTP/2 preface but no SETTINGS", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
  ])("is closed at the deadline when it %s", async (_, bytes) => {
    const { socket, closed } = await rawSocket();
    if (bytes) socket.write(bytes);
    await othersAreServed();
    await closed;
    expect(isClosed(socket)).toBe(true);
  });

  it("is not cut when the first request arrives in pieces: a lone P, then the rest, is HTTP/1.1", async () => {
    const { socket, received } = await rawSocket();
    socket.write("P");
    // The attack: the first TCP segment is one byte, the rest comes later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write("OST /chat HTTP/1.1\r\nHost: parley\r\nContent-Length: 0\r\n\r\n");
    await expect.poll(received).toMatch(/^HTTP\/1\.1 401 /);
    socket.destroy();
  });
});

describe("connections per remote address", () => {
  it("are capped; the next is closed at once while another address is served", async () => {
    const request = "GET /nothing HTTP/1.1\r\nHost: parley\r\n\r\n";
    // Six connections that completed a request and stay open (HTTP/1.1 keep-alive, 5 s).
    const held = await Promise.all(Array.from({ length: 6 }, () => rawSocket()));
    for (const { socket } of held) socket.write(request);
    for (const { received } of held) await expect.poll(received).toMatch(/^HTTP\/1\.1 404 /);
    // The seventh asks the same and is closed without an answer.
    const refused = await rawSocket();
    refused.socket.write(request);
    await refused.closed;
    expect(refused.received()).toBe("");
    const fromElsewhere = await rawSocket("127.0.0.2");
    fromElsewhere.socket.write(request);
    await expect.poll(fromElsewhere.received).toMatch(/^HTTP\/1\.1 /);
    for (const { socket } of [...held, fromElsewhere]) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    await othersAreServed();
  });
});

describe("health Watch, which needs no token and never ends", () => {
  it("is capped per connection and in all; Check stays open", async () => {
    const first = createClient(Health, harness.transport("grpc", null));
    const second = createClient(Health, harness.transport("grpc", null));
    const open: AbortController[] = [];
    /** Opens a watch and reads its first status; resolves with the status or the error code. */
    async function watch(client: typeof first): Promise<string> {
      const abort = new AbortController();
      open.push(abort);
      try {
        for await (const response of client.watch({ service: "" }, { signal: abort.signal })) {
          return `status ${response.status}`;
        }
        return "ended";
      } catch (error) {
        return `code ${(error as { code: Code }).code}`;
      }
    }
    expect(await watch(first)).toBe("status 1");
    expect(await watch(first)).toBe("status 1");
    expect(await watch(first)).toBe(`code ${Code.ResourceExhausted}`); // per connection
    expect(await watch(second)).toBe("status 1");
    expect(await watch(second)).toBe(`code ${Code.ResourceExhausted}`); // in all
    expect((await second.check({ service: "" })).status).toBe(1);
    await othersAreServed();
    for (const abort of open) abort.abort();
    // Closed watches free their places.
    await expect.poll(() => watch(second)).toBe("status 1");
    for (const abort of open) abort.abort();
  });
});

describe("HTTP/2 sessions", () => {
  it("announce the stream limit, and are closed once idle but never while a stream is open", async () => {
    const idle = http2.connect(harness.baseUrl);
    const busy = http2.connect(harness.baseUrl);
    const closing = (session: http2.ClientHttp2Session) =>
      new Promise<void>((resolve) => session.once("goaway", () => resolve()));
    const idleClosing = closing(idle);
    let busyClosingSeen = false;
    const busyClosing = closing(busy).then(() => (busyClosingSeen = true));
    for (const session of [idle, busy]) session.on("error", () => undefined);
    const stream = busy.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Watch",
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.on("error", () => undefined);
    stream.resume();
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
    await new Promise((resolve) => stream.once("response", resolve));
    expect(busy.remoteSettings.maxConcurrentStreams).toBe(3);

    await idleClosing; // GOAWAY from the server: the idle session is being closed...
    expect(busyClosingSeen).toBe(false); // ...the one with an open stream is not
    stream.close();
    await busyClosing; // until its stream has ended
    for (const session of [idle, busy]) session.destroy();
  });
});
