/**
 * The `fetch` the SDK calls: undici's `request` on our connection pool instead of Node's fetch. The SDK
 * still builds every request, retries and maps errors; only how the bytes come back changes. Node's
 * fetch hands a body over as a WHATWG ReadableStream, and under a paced stream (one small read per
 * token) its promises and stream steps cost ~15 µs of CPU per delta, a quarter of what the bare SDK
 * spends per delta (docs/benchmarks.md, "The model's stream without web streams").
 *
 * So a streamed answer (200, `text/event-stream`) is a standard Response whose `body` is an async
 * iterator over the chunks undici reads; `openai-chat-model.ts` iterates it (`for await`, over
 * Uint8Arrays), and so would the SDK's own `Stream`, whose `ReadableStreamToAsyncIterable` takes any
 * async iterable as it is. `return()` on the iterator closes the socket. Any other answer (JSON, an
 * error status) is read whole, up to a bound, and returned as a plain Response, so `json()`, `text()`
 * and headers work as usual. Aborting the signal ends the request or the stream with an `AbortError`,
 * as fetch does, and closes the socket.
 */
import type { ClientOptions } from "openai";
import type { Readable } from "node:stream";
import { request, type Dispatcher } from "undici";

type Fetch = NonNullable<ClientOptions["fetch"]>;

/** Statuses whose Response must have no body. */
const bodiless = new Set([204, 205, 304]);

export interface NodeStreamFetchOptions {
  /**
   * The most of an answer that is not streamed (JSON, an error) read into memory; default 8 MiB, far
   * above a models list or an error. A server that sends more fails the request instead of filling
   * the heap.
   */
  maxWholeAnswerBytes?: number;
}

export function createNodeStreamFetch(dispatcher: Dispatcher, options: NodeStreamFetchOptions = {}): Fetch {
  const maxWholeAnswerBytes = options.maxWholeAnswerBytes ?? 8 * 1024 * 1024;
  return async (input, init = {}) => {
    const { body } = init;
    // The SDK sends JSON text; anything else (a form, a stream: uploads this service never makes) goes
    // through fetch on the same pool.
    if (input instanceof Request || !(body == null || typeof body === "string" || body instanceof Uint8Array))
      return fetch(input, { ...init, dispatcher } as RequestInit);
    const answer = await request(String(input), {
      dispatcher,
      // fetch upper-cases the standard methods; the SDK passes them in lower case ("post").
      method: (init.method ?? "GET").toUpperCase() as Dispatcher.HttpMethod,
      headers: Object.fromEntries(new Headers(init.headers)),
      body: body ?? null,
      signal: init.signal ?? null,
      // As fetch does (its limit); undici drops the credentials when a redirect leaves the origin.
      maxRedirections: 20,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    const status = answer.statusCode;
    if (status === 200 && headers.get("content-type")?.startsWith("text/event-stream")) {
      const response = new Response(null, { status, headers });
      Object.defineProperty(response, "body", { value: chunksAsPushed(answer.body) });
      return response;
    }
    if (bodiless.has(status)) {
      answer.body.resume();
      return new Response(null, { status, headers });
    }
    return new Response(await readWhole(answer.body, maxWholeAnswerBytes), { status, headers });
  };
}

/** The whole body, or an error (and the socket closed) once it passes `maxBytes`. */
async function readWhole(body: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(`the model service's answer is over ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** How many chunks may wait for the reader before the socket is paused (TCP then slows the server). */
export const waitingChunks = 16;

/**
 * The body's chunks one by one, as undici pushed them, for one reader at a time (`for await`), at most
 * `waitingChunks` of them held before the socket is paused. (A Readable's own iterator joins whatever is
 * buffered into one chunk per read; the SDK's `Stream`, which copies the rest of its buffer for every
 * event it cuts from a chunk, was quadratic in such a chunk's events. The ChatModel's SseDecoder is
 * linear either way.) An error (an abort, a reset) ends the iteration at once, as it errors a fetch
 * body, without the chunks still waiting; so does a stream closed before its end without one.
 */
export function chunksAsPushed(stream: Readable): AsyncIterableIterator<Uint8Array> {
  const waiting: Uint8Array[] = [];
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const woken = () => {
    wake?.();
    wake = undefined;
  };
  stream.on("data", (chunk: Uint8Array) => {
    if (waiting.push(chunk) >= waitingChunks) stream.pause();
    woken();
  });
  stream.on("end", () => {
    ended = true;
    woken();
  });
  stream.on("error", (error) => {
    failure = error;
    woken();
  });
  stream.on("close", () => {
    if (!ended && failure === undefined) failure = new Error("the model's stream closed before its end");
    woken();
  });
  return {
    async next() {
      while (waiting.length === 0 && failure === undefined && !ended)
        await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
      const value = waiting.shift();
      if (value === undefined) return { done: true, value: undefined };
      if (stream.isPaused() && waiting.length < waitingChunks / 2) stream.resume();
      return { done: false, value };
    },
    async return() {
      stream.destroy();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
