// Service metrics, scraped over HTTP from the real metrics endpoint after a known sequence of calls
// (complete, stopped, failed upstream, bad request, a limit hit): exact counter deltas and histogram
// counts. Labels stay bounded: a thousand distinct users add no series.
import { Code } from "@connectrpc/connect";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetricsServer, type MetricsServer } from "../../src/adapters/metrics/metrics-server.js";
import { createServiceMetrics } from "../../src/adapters/metrics/service-metrics.js";
import { countUpstreamAttempts } from "../../src/adapters/metrics/upstream-attempts.js";
import { observePool } from "../../src/adapters/mysql/pool-metrics.js";
import { fixedLimitsStore } from "../support/fixed-limits-store.js";
import { startParley, type Harness } from "../support/parley-harness.js";
import { collectReply } from "../support/rpc-probes.js";
import { labelSets, metricNames, parseSamples, value, type Samples } from "@parley/test-support";

const model = "gpt-4o-mini";
const metrics = createServiceMetrics({ models: [model] });
let harness: Harness;
let server: MetricsServer;
let metricsUrl: string;

beforeAll(async () => {
  harness = await startParley({
    metrics,
    maxRetries: 2,
    onAttempt: countUpstreamAttempts(metrics),
    userLimits: {
      defaults: {
        concurrentReplies: 5,
        messagesPerMinute: 2,
        dailyTokens: 0,
        monthlyTokens: 0,
        monthlyCostMicros: 0,
      },
      store: fixedLimitsStore(),
    },
  });
  observePool(harness.database.pool, metrics);
  server = createMetricsServer(metrics.registry);
  const address = await server.listen(0, "127.0.0.1");
  metricsUrl = `http://127.0.0.1:${address.port}/metrics`;
});
afterAll(async () => {
  await server?.close();
  await harness?.stop();
});

async function scrape(): Promise<Samples> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(await response.text());
}

/** `after − before` for every sample that changed. */
function deltas(before: Samples, after: Samples, prefix: string): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, now] of after) {
    if (!key.startsWith(prefix)) continue;
    const delta = now - (before.get(key) ?? 0);
    if (delta !== 0) changed[key] = delta;
  }
  return changed;
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

describe("service metrics", () => {
  it("count a complete, a stopped, a failed reply and a bad request exactly", async () => {
    const client = harness.client("grpc");
    const before = await scrape();

    harness.simulator.script({ deltas: ["One", " two", " three."] });
    const complete = await collectReply(client.sendMessage({ userId: "metrics-1", text: "Count." }));
    expect(complete.finished?.status).toBe(ReplyStatus.COMPLETE);
    const usage = complete.finished!.usage!;

    harness.simulator.script({ deltas: words(500), paceMs: 10 });
    const stream = client.sendMessage({ userId: "metrics-2", text: "Go on." })[Symbol.asyncIterator]();
    let replyId = "";
    let stoppedText = "";
    for (;;) {
      const { value: event, done } = await stream.next();
      if (done) break;
      const kind = event.event?.kind;
      if (kind?.case === "started") replyId = kind.value.replyId;
      if (kind?.case === "delta") {
        if (stoppedText === "") await client.stopReply({ userId: "metrics-2", replyId });
        stoppedText += kind.value.text;
      }
      if (kind?.case === "finished") expect(kind.value.status).toBe(ReplyStatus.STOPPED);
    }

    harness.simulator.script({ fault: { kind: "status", status: 500, times: 3, retryAfterMs: 10 } });
    const failed = await collectReply(client.sendMessage({ userId: "metrics-3", text: "Fail." }));
    expect(failed.finished?.status).toBe(ReplyStatus.FAILED);
    harness.simulator.reset(); // the failing script would otherwise answer the next request

    const bad = await collectReply(client.sendMessage({ userId: "metrics-4", text: "   " }));
    expect(bad.error?.code).toBe(Code.InvalidArgument);

    const usages = [usage];
    for (const text of ["1", "2"]) {
      harness.simulator.script({ deltas: ["Fine."] });
      usages.push((await collectReply(client.sendMessage({ userId: "metrics-5", text }))).finished!.usage!);
    }
    const refused = await collectReply(client.sendMessage({ userId: "metrics-5", text: "3" }));
    expect(refused.error?.code).toBe(Code.ResourceExhausted);

    const after = await scrape();
    const send = "parley.chat.v1.ChatService/SendMessage";
    const stop = "parley.chat.v1.ChatService/StopReply";
    const labels = (status: string) => `{model="${model}",status="${status}"}`;
    expect(deltas(before, after, "parley_")).toMatchObject({
      [`parley_replies_total${labels("complete")}`]: 3,
      [`parley_replies_total${labels("stopped")}`]: 1,
      [`parley_replies_total${labels("failed")}`]: 1,
      [`parley_reply_time_to_first_token_seconds_count${labels("complete")}`]: 3,
      [`parley_reply_time_to_first_token_seconds_count${labels("stopped")}`]: 1,
      [`parley_reply_duration_seconds_count${labels("complete")}`]: 3,
      [`parley_reply_duration_seconds_count${labels("stopped")}`]: 1,
      [`parley_reply_duration_seconds_count${labels("failed")}`]: 1,
      [`parley_upstream_errors_total{kind="5xx"}`]: 1,
      [`parley_upstream_attempts_total{outcome="5xx"}`]: 3,
      [`parley_upstream_attempts_total{outcome="2xx"}`]: 4,
      parley_upstream_retries_total: 2,
      [`parley_rpc_requests_total{code="ok",method="${send}"}`]: 4,
      [`parley_rpc_requests_total{code="ok",method="${stop}"}`]: 1,
      [`parley_rpc_requests_total{code="unavailable",method="${send}"}`]: 1,
      [`parley_rpc_requests_total{code="invalid_argument",method="${send}"}`]: 1,
      [`parley_rpc_requests_total{code="resource_exhausted",method="${send}"}`]: 1,
      [`parley_limits_hit_total{limit="rate"}`]: 1,
    });
    const changed = deltas(before, after, "parley_");
    // A failed reply had no first token.
    expect(changed[`parley_reply_time_to_first_token_seconds_count${labels("failed")}`]).toBeUndefined();
    // Every word the model sent before the stop is one delta, and all of them reached the caller
    // (watchers may get them merged).
    const stoppedDeltas = stoppedText.split(" ").length - 1;
    expect(stoppedDeltas).toBeGreaterThan(0);
    expect(changed[`parley_reply_deltas_total{model="${model}"}`]).toBe(3 + stoppedDeltas + 1 + 1);
    expect(usage.completionTokens).toBeGreaterThan(0);
    const tokens = (kind: string, source: string) =>
      changed[`parley_reply_tokens_total{kind="${kind}",model="${model}",source="${source}"}`];
    // The complete replies' usage came from the provider; the stopped one is our estimate.
    const sum = (pick: (u: typeof usage) => number) => usages.reduce((total, u) => total + pick(u), 0);
    expect(tokens("completion", "provider")).toBe(sum((u) => u.completionTokens));
    expect(tokens("prompt", "provider")).toBe(sum((u) => u.promptTokens));
    expect(tokens("prompt", "estimate")).toBeGreaterThan(0);
    expect(value(after, "parley_replies_live")).toBe(0);
    expect(value(after, "parley_reply_watchers")).toBe(0);
    expect(value(after, "parley_db_query_duration_seconds_count", { operation: "insert" })).toBeGreaterThan(
      0,
    );
    expect(metricNames(after)).toContain("nodejs_eventloop_lag_p99_seconds");
  });

  it("keeps labels bounded: a thousand distinct users add no series and no label holds a user id", async () => {
    const client = harness.client("connect-h2");
    const visit = async (from: number, to: number) => {
      for (let start = from; start < to; start += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, to - start) }, (_, i) =>
            client.listChats({ userId: `cardinality-user-${start + i}` }),
          ),
        );
      }
      for (let i = from; i < from + 5; i++) {
        harness.simulator.script({ deltas: ["Hi."] });
        await collectReply(client.sendMessage({ userId: `cardinality-user-${i}`, text: "Hello" }));
      }
    };
    await visit(0, 500);
    const half = await scrape();
    await visit(500, 1_000);
    const full = await scrape();
    const series = (samples: Samples) => [...samples.keys()].filter((k) => k.startsWith("parley_")).sort();
    expect(series(full)).toEqual(series(half));
    expect(series(full).filter((k) => k.includes("cardinality-user"))).toEqual([]);
    const listed = `parley_rpc_requests_total{code="ok",method="parley.chat.v1.ChatService/ListChats"}`;
    expect((full.get(listed) ?? 0) - (half.get(listed) ?? 0)).toBe(500);
    expect(labelSets(full, "parley_replies_total").map((labels) => labels["model"])).not.toContain("other");
  });
});
