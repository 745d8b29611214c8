import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { PassThrough } from "node:stream";
import { Agent } from "undici";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { chunksAsPushed, createNodeStreamFetch, waitingChunks } from "./node-stream-fetch.js";

interface Received {
  method: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
let agent: Agent;
let handle: (req: IncomingMessage, res: ServerResponse) => void;
// Fresh arrays per test: a closing socket of the test before must not count in this one.
let received: Received[];
let sockets: Socket[];
let closed: Socket[];

beforeEach(async () => {
  const [requests, opened, ended]: [Received[], Socket[], Socket[]] = [[], [], []];
  [received, sockets, closed] = [requests, opened, ended];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      handle(req, res);
    });
  });
  server.on("connection", (socket: Socket) => {
    opened.push(socket);
    socket.on("close", () => ended.push(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent = new Agent({ keepAliveTimeout: 10_000 });
});

afterEach(async () => {
  await agent.close();
  server.closeAllConnections();
  server.close();
});

const streamOf = (res: ServerResponse) => {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  res.flushHeaders();
};

describe("the SDK's fetch on undici's request", () => {
  it("hands a streamed answer over as the chunks undici reads, not as a web stream", async () => {
    handle = (_req, res) => {
      streamOf(res);
      res.write('data: {"a":1}\n\n');
      res.end("data: [DONE]\n\n");
    };
    const response = await createNodeStreamFetch(agent)(`${base}/v1/chat/completions`, { method: "post" });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.body).not.toBeInstanceOf(ReadableStream);
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      expect(chunk).toBeInstanceOf(Uint8Array);
      chunks.push(chunk);
    }
    expect(Buffer.concat(chunks).toString()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  });

  it("sends the request as fetch would: the method in capitals, the headers, the JSON body", async () => {
    handle = (_req, res) => res.end("{}");
    const headers = new Headers({ authorization: "Bearer sk-test", "content-type": "application/json" });
    await createNodeStreamFetch(agent)(`${base}/v1/chat/completions?x=1`, {
      method: "post",
      headers,
      body: '{"model":"m"}',
    });
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe("POST");
    expect(received[0]!.headers["authorization"]).toBe("Bearer sk-test");
    expect(received[0]!.headers["content-type"]).toBe("application/json");
    expect(received[0]!.body).toBe('{"model":"m"}');
  });

  it("returns any other answer whole, as a plain Response: JSON, an error with its headers, no content", async () => {
    const answers: ((res: ServerResponse) => void)[] = [
      (res) => res.writeHead(200, { "content-type": "application/json" }).end('{"data":[1,2]}'),
      (res) =>
        res
          .writeHead(429, {
            "retry-after": "3",
            "x-note": ["one", "two"],
            "content-type": "application/json",
          })
          .end('{"error":{"message":"slow down"}}'),
      (res) => res.writeHead(204).end(),
    ];
    handle = (_req, res) => answers.shift()!(res);
    const fetchNode = createNodeStreamFetch(agent);

    const json = await fetchNode(`${base}/v1/models`, { method: "get" });
    expect(json.body).toBeInstanceOf(ReadableStream);
    expect(await json.json()).toEqual({ data: [1, 2] });

    const limited = await fetchNode(`${base}/v1/chat/completions`, { method: "post", body: "{}" });
    expect(limited.status).toBe(429);
    expect(limited.ok).toBe(false);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.headers.get("x-note")).toBe("one, two");
    expect(await limited.text()).toBe('{"error":{"message":"slow down"}}');

    const empty = await fetchNode(`${base}/v1/nothing`, { method: "delete" });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it("fails an answer that is not streamed once it passes its bound, and closes the socket", async () => {
    // An error body that never ends, as a hostile or broken server might send.
    handle = (_req, res) => void res.writeHead(500, { "content-type": "text/plain" }).write("x".repeat(4096));
    const fetchNode = createNodeStreamFetch(agent, { maxWholeAnswerBytes: 1024 });
    await expect(fetchNode(`${base}/v1/chat/completions`, { method: "post", body: "{}" })).rejects.toThrow(
      "the model service's answer is over 1024 bytes",
    );
    await expect.poll(() => closed.length).toBe(1);
  });

  it("follows a redirect as fetch does, with the method and body, and without the key across origins", async () => {
    const other = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { "content-type": "application/json" }).end('{"at":"other"}');
    });
    other.listen(0, "127.0.0.1");
    await once(other, "listening");
    onTestFinished(() => void other.close());
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/moved`;
    handle = (req, res) => {
      if (req.url === "/v1/old") return void res.writeHead(307, { location: "/v1/new" }).end();
      if (req.url === "/v1/new") return void res.writeHead(308, { location: elsewhere }).end();
    };
    const response = await createNodeStreamFetch(agent)(`${base}/v1/old`, {
      method: "post",
      headers: { authorization: "Bearer sk-test" },
      body: '{"model":"m"}',
    });
    expect(await response.json()).toEqual({ at: "other" });
    expect(received.map((r) => [r.method, r.body, r.headers["authorization"]])).toEqual([
      ["POST", '{"model":"m"}', "Bearer sk-test"],
      ["POST", '{"model":"m"}', "Bearer sk-test"],
      ["POST", '{"model":"m"}', undefined],
    ]);
  });

  it("goes through the given pool: a stream read to its end leaves its connection for the next request", async () => {
    handle = (_req, res) => {
      streamOf(res);
      res.end("data: [DONE]\n\n");
    };
    // One connection at most: Node's global pool would open one per request it finds busy.
    const single = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
    onTestFinished(() => single.close());
    const fetchNode = createNodeStreamFetch(single);
    for (let i = 0; i < 3; i++) {
      const response = await fetchNode(`${base}/v1/chat/completions`, { method: "post", body: "{}" });
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
        expect(chunk).toBeDefined();
    }
    expect(received).toHaveLength(3);
    expect(sockets).toHaveLength(1);
  });

  it("ends a stream with an AbortError when its signal aborts, and closes the socket", async () => {
    handle = (_req, res) => {
      streamOf(res);
      res.write("data: {}\n\n"); // and never ends
    };
    const controller = new AbortController();
    const response = await createNodeStreamFetch(agent)(`${base}/v1/chat/completions`, {
      method: "post",
      body: "{}",
      signal: controller.signal,
    });
    const chunks = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false);
    controller.abort();
    await expect(chunks.next()).rejects.toMatchObject({ name: "AbortError" });
    await expect.poll(() => closed.length).toBe(1);
  });

  it("rejects with an AbortError, sending nothing, when the signal is already aborted", async () => {
    handle = (_req, res) => res.end("{}");
    const fetchNode = createNodeStreamFetch(agent);
    await expect(
      fetchNode(`${base}/v1/chat/completions`, { method: "post", body: "{}", signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(received).toHaveLength(0);
  });

  it("sends a body that is not text (a form) through fetch on the same pool", async () => {
    handle = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    const form = new FormData();
    form.set("purpose", "test");
    const response = await createNodeStreamFetch(agent)(`${base}/v1/files`, { method: "POST", body: form });
    expect(await response.json()).toEqual({ ok: true });
    expect(received[0]!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(received[0]!.body).toContain('name="purpose"');
  });
});

describe("the chunks of a streamed body", () => {
  it("come one by one as they were pushed, where a Readable's own iterator would join them", async () => {
    const stream = new PassThrough();
    const chunks = chunksAsPushed(stream);
    const parts = ['data: {"a":1}\n\n', 'data: {"a":2}\n\n', "data: [DONE]\n\n"];
    for (const part of parts) stream.write(part);
    stream.end();
    const read: string[] = [];
    for await (const chunk of chunks) read.push(Buffer.from(chunk).toString());
    expect(read).toEqual(parts);
  });

  it("pauses the stream once 16 chunks wait, and resumes it once fewer than half of them wait", async () => {
    const stream = new PassThrough();
    const chunks = chunksAsPushed(stream);
    for (let i = 0; i < waitingChunks + 4; i++) stream.write(Buffer.from([i]));
    await expect.poll(() => stream.isPaused()).toBe(true);
    for (let i = 0; i < waitingChunks / 2; i++) expect((await chunks.next()).value).toEqual(Buffer.from([i]));
    expect(stream.isPaused()).toBe(true); // 8 still wait
    expect((await chunks.next()).value).toEqual(Buffer.from([waitingChunks / 2]));
    expect(stream.isPaused()).toBe(false); // 7 wait
    stream.end();
    const rest: number[] = [];
    for await (const chunk of chunks) rest.push(chunk[0]!);
    const taken = waitingChunks / 2 + 1;
    expect(rest).toEqual(Array.from({ length: waitingChunks + 4 - taken }, (_, i) => taken + i));
  });

  it("ends with an error, not a wait without end, when the stream is closed before its end without one", async () => {
    const stream = new PassThrough();
    const chunks = chunksAsPushed(stream);
    stream.write("data: {}\n\n");
    expect((await chunks.next()).done).toBe(false);
    const next = chunks.next();
    stream.destroy();
    await expect(next).rejects.toThrow("the model's stream closed before its end");
  });

  it("destroys the stream when the reader leaves early", async () => {
    const stream = new PassThrough();
    const chunks = chunksAsPushed(stream);
    stream.write("data: {}\n\n");
    await chunks.next();
    expect(await chunks.return!()).toEqual({ done: true, value: undefined });
    expect(stream.destroyed).toBe(true);
  });
});
