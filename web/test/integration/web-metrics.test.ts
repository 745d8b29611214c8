/**
 * The web app's metrics, scraped over HTTP from the real metrics endpoint after a known sequence: a new
 * message streamed (a stream open while it runs, one time to first delta), a reply resumed, tRPC calls by
 * procedure and code (a signed-out call refused), and email sign-ins refused then locked.
 */
import { parseSamples, sampleKey, type Samples } from "@parley/test-support";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthHandler } from "~/server/auth/auth-handler";
import { createClientAddressResolver } from "~/server/auth/client-address";
import { createWebMetricsServer, listenForMetrics, metricsAddress } from "~/server/metrics/metrics-server";
import { appOrigin, startBffHarness, type BffHarness, type TestUser } from "../support/bff-harness";
import type { ReplyEvent } from "~/lib/chat-types";
import { collect, rejection } from "../support/trpc-probes";

let bff: BffHarness;
let alice: TestUser;
let server: Server;
let metricsUrl: string;

beforeAll(async () => {
  bff = await startBffHarness({ paceMs: 5 });
  alice = await bff.signUp("Alice");
  server = createWebMetricsServer();
  const address = await listenForMetrics(server, 0, "127.0.0.1");
  metricsUrl = `http://127.0.0.1:${address.port}/metrics`;
});

afterAll(async () => {
  server?.close();
  await bff?.stop();
});

async function scrape(): Promise<Samples> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return parseSamples(await response.text());
}

function changes(before: Samples, after: Samples): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, now] of after) {
    if (!key.startsWith("parley_web_")) continue;
    const delta = now - (before.get(key) ?? 0);
    if (delta !== 0) changed[key] = delta;
  }
  return changed;
}

const trpc = (procedure: string, type: string, code: string) =>
  sampleKey("parley_web_trpc_requests_total", { procedure, type, code });

describe("web metrics", () => {
  it("count reply streams, resumes, time to first delta and tRPC calls by procedure and code", async () => {
    const caller = await bff.callerFor(alice.headers);
    const before = await scrape();

    const stream = (await caller.chat.send({ text: "Tell me a story" }))[Symbol.asyncIterator]();
    const first = await stream.next();
    const streaming = await scrape();
    const [, started] = first.value as unknown as [string, ReplyEvent];
    if (started.type !== "started") throw new Error("no started event");
    while (!(await stream.next()).done);
    await collect(await caller.chat.watch({ replyId: started.replyId, fromOffset: 0 }));
    const anonymous = await bff.callerFor(new Headers());
    expect(await rejection(anonymous.chat.list({}))).toMatchObject({ code: "UNAUTHORIZED" });

    const after = await scrape();
    expect(streaming.get("parley_web_reply_streams_open")).toBe(1);
    expect(after.get("parley_web_reply_streams_open")).toBe(0);
    const changed = changes(before, after);
    const histogram = "parley_web_time_to_first_delta_seconds";
    expect(changed[`${histogram}_bucket{le="+Inf"}`]).toBe(1);
    expect(changed[`${histogram}_sum`]).toBeGreaterThan(0);
    const counted = Object.entries(changed).filter(([key]) => !/_bucket|_sum/.test(key));
    expect(Object.fromEntries(counted)).toEqual({
      [trpc("chat.send", "subscription", "OK")]: 1,
      [trpc("chat.watch", "subscription", "OK")]: 1,
      [trpc("chat.list", "query", "UNAUTHORIZED")]: 1,
      parley_web_reply_resumes_total: 1,
      [`${histogram}_count`]: 1,
    });
  });

  it("count wrong passwords and lockouts by account", async () => {
    const handle = createAuthHandler(bff.auth, {
      allowedOrigins: [appOrigin],
      signIn: { maxAttempts: 2, windowSeconds: 300 },
      clientAddress: createClientAddressResolver([]),
      storeMaxBytes: 1024 * 1024,
    });
    const signIn = (password: string) =>
      handle(
        new Request(`${appOrigin}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: appOrigin },
          body: JSON.stringify({ email: alice.email, password }),
        }),
      );
    const before = await scrape();
    expect((await signIn("wrong one")).status).toBe(401);
    expect((await signIn("wrong two")).status).toBe(401);
    expect((await signIn("correct horse battery")).status).toBe(429);
    expect(changes(before, await scrape())).toEqual({
      parley_web_sign_in_failures_total: 2,
      [sampleKey("parley_web_sign_in_lockouts_total", { by: "account" })]: 1,
    });
  });

  it("serve metrics only when WEB_METRICS_PORT is set, on localhost by default", () => {
    expect(metricsAddress({})).toBeNull();
    expect(metricsAddress({ WEB_METRICS_PORT: "9465" })).toEqual({ port: 9465, host: "127.0.0.1" });
    expect(metricsAddress({ WEB_METRICS_PORT: "9465", WEB_METRICS_HOST: "0.0.0.0" })?.host).toBe("0.0.0.0");
    expect(() => metricsAddress({ WEB_METRICS_PORT: "0" })).toThrow(/WEB_METRICS_PORT/);
  });
});
