/**
 * The BFF over its HTTP face, driven by the real tRPC client (httpBatchLink + httpSubscriptionLink on an
 * EventSource): SSE headers, a dropped stream that resumes through `Last-Event-ID`, cross-site requests
 * refused, and service failures mapped to tRPC errors without their causes. Each on both faces: the route
 * handler (`next dev`) and the Node server's own handler (what the web app's server serves).
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource, type FetchLike } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxBatchSize } from "~/lib/batch-limit";
import type { ReplyEvent } from "~/lib/chat-types";
import { codePointLength } from "~/lib/code-points";
import { createApiKeyServiceClient } from "~/server/service/api-key-service-client";
import { createChatServiceClient } from "~/server/service/chat-service-client";
import { createUsageServiceClient } from "~/server/service/usage-service-client";
import { createSearchServiceClient } from "~/server/service/search-service-client";
import type { AppRouter } from "~/server/trpc/root";
import { appOrigin, startBffHarness, type BffHarness, type TestUser } from "../support/bff-harness";
import { serveTrpc, trpcFaces } from "../support/trpc-faces";

describe.each(trpcFaces)("the BFF served by the %s", (face) => {
  let bff: BffHarness;
  let alice: TestUser;

  beforeAll(async () => {
    bff = await startBffHarness({ paceMs: 20, face });
    alice = await bff.signUp("Alice");
  });

  afterAll(() => bff?.stop());

  const endpoint = `${appOrigin}/api/trpc`;

  /** A browser-like request: the user's cookie, and an Origin on POSTs as browsers send it. */
  function browserRequest(url: RequestInfo | URL, init: RequestInit = {}): Request {
    const headers = new Headers(init.headers);
    headers.set("cookie", alice.headers.get("cookie")!);
    if ((init.method ?? "GET") !== "GET") headers.set("origin", appOrigin);
    return new Request(url, { ...init, headers });
  }

  /**
   * Cuts the first SSE response after `cutAfterDeltas` deltas, as a dropped connection would, and asks for
   * a quick reconnect (`retry: 100`). Records each request's Last-Event-ID.
   */
  function flakyEventStream(cutAfterDeltas: number) {
    const lastEventIds: (string | null)[] = [];
    const fetch: FetchLike = async (url, init) => {
      const request = browserRequest(url, { headers: init.headers, signal: init.signal });
      lastEventIds.push(request.headers.get("last-event-id"));
      const response = await bff.handle(request);
      if (lastEventIds.length > 1 || !response.body) return response;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let deltas = 0;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("retry: 100\n\n"));
        },
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(new TextEncoder().encode(value));
          deltas += value.split('"type":"delta"').length - 1;
          if (deltas >= cutAfterDeltas) {
            await reader.cancel();
            controller.close();
          }
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    return { fetch, lastEventIds };
  }

  function clientWith(eventSourceFetch: FetchLike) {
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          true: httpSubscriptionLink({
            url: endpoint,
            EventSource,
            eventSourceOptions: () => ({ fetch: eventSourceFetch }),
          }),
          false: httpBatchLink({
            url: endpoint,
            fetch: (url, init) => bff.handle(browserRequest(url, init)),
          }),
        }),
      ],
    });
  }

  describe("subscriptions over SSE", () => {
    it("are unbuffered event streams", async () => {
      const input = encodeURIComponent(JSON.stringify({ text: "Headers please" }));
      const response = await bff.handle(browserRequest(`${endpoint}/chat.send?input=${input}`));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(response.headers.get("x-accel-buffering")).toBe("no");
      const text = await response.text();
      expect(text).toMatch(/^id: [\w-]+:0$/m);
      expect(text).toContain('"status":"complete"');
    });

    it("end with tRPC's serialized error when the call itself is refused (no session)", async () => {
      const input = encodeURIComponent(JSON.stringify({ text: "Who am I?" }));
      const response = await bff.handle(new Request(`${endpoint}/chat.send?input=${input}`));
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.startsWith('event: connected\ndata: {"reconnectAfterInactivityMs":25000}\n\n\n')).toBe(
        true,
      );
      expect(text).toMatch(/^event: serialized-error\ndata: \{.*"code":"UNAUTHORIZED".*\}$/m);
      expect(text).not.toContain("event: return");
    });

    it("resume after a dropped connection through Last-Event-ID: every character once, the message sent once", async () => {
      const stream = flakyEventStream(3);
      const client = clientWith(stream.fetch);
      const events: ReplyEvent[] = [];
      const states: string[] = [];
      await new Promise<void>((resolve, reject) => {
        client.chat.send.subscribe(
          { text: "Survive a dropped connection" },
          {
            onData: ({ data }) => void events.push(data),
            onError: reject,
            onComplete: resolve,
            onConnectionStateChange: (state) => void states.push(state.state),
          },
        );
      });

      expect(stream.lastEventIds).toHaveLength(2);
      expect(stream.lastEventIds[0]).toBeNull();
      expect(stream.lastEventIds[1]).toMatch(/^[\w-]+:\d+$/);
      expect(states).toContain("connecting");

      const started = events.find((event) => event.type === "started");
      if (started?.type !== "started") throw new Error("no started event");
      let text = "";
      for (const event of events) {
        if (event.type !== "delta") continue;
        expect(event.offset).toBe(codePointLength(text));
        text += event.text;
      }
      expect(events.at(-1)).toMatchObject({
        type: "finished",
        status: "complete",
        length: codePointLength(text),
      });

      const page = await client.chat.get.query({ chatId: started.chatId });
      expect(page.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
      expect(page.messages[1]!.content).toBe(text);
    });
  });

  describe("closing the connection", () => {
    it("ends the BFF's call to the service at once (the service then applies its own grace rule)", async () => {
      const input = encodeURIComponent(JSON.stringify({ text: "I will close the tab" }));
      const tab = new AbortController();
      const response = await bff.handle(
        browserRequest(`${endpoint}/chat.send?input=${input}`, { signal: tab.signal }),
      );
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let received = "";
      while (!received.includes('"type":"delta"')) received += (await reader.read()).value ?? "";
      expect(bff.openStreams()).toBe(1);
      const chatId = /"chatId":"([^"]+)"/.exec(received)![1]!;
      tab.abort();
      await reader.cancel().catch(() => {});
      await expect.poll(() => bff.openStreams(), { interval: 10, timeout: 2_000 }).toBe(0);
      // The call ended while the reply was still being written: at once, not when the answer was done.
      const caller = await bff.callerFor(alice.headers);
      expect((await caller.chat.get({ chatId })).messages[1]).toMatchObject({ status: "streaming" });
    });
  });

  describe("cross-site requests", () => {
    const missingChat = "01a2277a-0000-7000-8000-000000000000";
    const rename = (headers: Record<string, string>, body = `{"chatId":"${missingChat}","title":"x"}`) =>
      bff.handle(
        new Request(`${endpoint}/chat.rename`, {
          method: "POST",
          headers: { cookie: alice.headers.get("cookie")!, "content-type": "application/json", ...headers },
          body,
        }),
      );

    it("are refused when the Origin is foreign, opaque, or the browser says cross-site", async () => {
      const attempts: Record<string, string>[] = [
        { origin: "https://evil.example" },
        { origin: "null" },
        { "sec-fetch-site": "cross-site" },
        { origin: "http://localhost:3000.evil.example" },
      ];
      for (const headers of attempts) {
        const response = await rename(headers);
        expect(response.status).toBe(403);
      }
    });

    it("are refused as top-level navigations, which could carry the cookie to chat.send", async () => {
      const input = encodeURIComponent(JSON.stringify({ text: "sent by a link" }));
      const response = await bff.handle(
        new Request(`${endpoint}/chat.send?input=${input}`, {
          headers: {
            cookie: alice.headers.get("cookie")!,
            "sec-fetch-mode": "navigate",
            "sec-fetch-site": "none",
          },
        }),
      );
      expect(response.status).toBe(403);
    });

    it("cannot post as a plain form (tRPC wants JSON)", async () => {
      const response = await rename({ origin: appOrigin, "content-type": "text/plain" });
      expect(response.status).toBe(415);
    });

    it("same-origin requests go through", async () => {
      const response = await rename({ origin: appOrigin, "sec-fetch-site": "same-origin" });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { data: { code: "NOT_FOUND" } } });
    });
  });

  describe("batches", () => {
    /** One GET carrying `size` calls to chat.list, as httpBatchLink would send them. */
    const batchOf = (size: number) => {
      const paths = Array.from({ length: size }, () => "chat.list").join(",");
      const inputs = Object.fromEntries(Array.from({ length: size }, (_, index) => [index, {}]));
      const input = encodeURIComponent(JSON.stringify(inputs));
      return bff.handle(browserRequest(`${endpoint}/${paths}?batch=1&input=${input}`));
    };

    it(`of up to ${maxBatchSize} calls are served`, async () => {
      const before = bff.serviceCalls();
      const response = await batchOf(maxBatchSize);
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveLength(maxBatchSize);
      expect(bff.serviceCalls() - before).toBe(maxBatchSize);
    });

    it("one call longer are refused with 400 before any call reaches the service", async () => {
      const before = bff.serviceCalls();
      const response = await batchOf(maxBatchSize + 1);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain("Batch call exceeds maximum size");
      const huge = await batchOf(1_500);
      // On a socket, a URL this long is past Node's header limit: its parser answers 431 before tRPC reads it.
      expect(huge.status).toBe(face === "Node server" ? 431 : 400);
      expect(bff.serviceCalls() - before).toBe(0);
    });

    it("are split by the browser's link so a page never sends a longer one", async () => {
      const sizes: number[] = [];
      const client = createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: endpoint,
            maxItems: maxBatchSize,
            fetch: async (url, init) => {
              const path = new URL(String(url)).pathname.slice("/api/trpc/".length);
              sizes.push(path.split(",").length);
              return bff.handle(browserRequest(String(url), init as RequestInit));
            },
          }),
        ],
      });
      const results = await Promise.all(Array.from({ length: 25 }, () => client.chat.list.query({})));
      expect(results).toHaveLength(25);
      expect(sizes).toEqual([10, 10, 5]);
    });
  });

  describe("service failures", () => {
    it("become tRPC errors with a message for people; the cause stays in the log", async () => {
      const deadService = createChatServiceClient({ baseUrl: "http://127.0.0.1:9", token: "x" });
      const logs: { message: string; fields: Record<string, unknown> }[] = [];
      const log = (message: string, fields: Record<string, unknown> = {}) =>
        void logs.push({ message, fields });
      const served = await serveTrpc(face, {
        auth: bff.auth,
        chat: deadService,
        keys: createApiKeyServiceClient({ baseUrl: "http://127.0.0.1:9", token: "x" }),
        usage: createUsageServiceClient({ baseUrl: "http://127.0.0.1:9", token: "x" }),
        search: createSearchServiceClient({ baseUrl: "http://127.0.0.1:9", token: "x" }),
        log: { info: log, warn: log, error: log },
        allowedOrigins: [appOrigin],
      });
      const response = await served.handle(browserRequest(`${endpoint}/chat.list?input=%7B%7D`));
      expect(response.status).toBe(503);
      const body = await response.text();
      await served.close();
      expect(JSON.parse(body)).toMatchObject({
        error: {
          message: "The chat service is unavailable right now. Please try again in a moment.",
          data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
        },
      });
      expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
      expect(JSON.stringify(logs)).toMatch(/ECONNREFUSED|unavailable/i);
    });
  });
});
