/**
 * A real Prometheus scrapes both built apps (the service's METRICS_PORT, the web app's WEB_METRICS_PORT)
 * while a person's messages go through the web app over SSE. Its HTTP API then reports the same figures
 * as the apps' own endpoints: the replies counter, the time-to-first-token histogram, the BFF's time to
 * first delta. Every metric the committed Grafana dashboard queries exists in the apps' scrapes (the
 * service runs with Redis, as replicas do, so the bus's metrics are there too).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { declaredSeriesNames, parseSamples, type Samples } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookieHeader } from "../support/bff-harness";
import { startPrometheus, type PrometheusProcess } from "../support/prometheus-process";
import { startTestService, type TestService } from "../support/service-process";
import { freePort, startTestWeb, type TestWeb } from "../support/web-process";

let service: TestService;
let web: TestWeb;
let prometheus: PrometheusProcess;
let serviceMetrics: string;
let webMetrics: string;
const messages = ["What is a histogram?", "And a counter?", "Thanks!"];

beforeAll(async () => {
  const servicePort = await freePort();
  // With Redis on, as several replicas run: the bus's metrics exist only then.
  service = await startTestService({
    paceMs: 2,
    env: {
      METRICS_PORT: String(servicePort),
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `parley-test:${randomUUID()}:`,
    },
  });
  const webPort = await freePort();
  web = await startTestWeb(service, { WEB_METRICS_PORT: String(webPort) });
  serviceMetrics = `127.0.0.1:${servicePort}`;
  webMetrics = `127.0.0.1:${webPort}`;
  prometheus = await startPrometheus({ "parley-service": serviceMetrics, "parley-web": webMetrics });
});

afterAll(async () => {
  await prometheus?.stop();
  await web?.stop();
  await service?.stop();
});

async function scrape(target: string): Promise<Samples> {
  const response = await fetch(`http://${target}/metrics`);
  expect(response.status).toBe(200);
  return parseSamples(await response.text());
}

/** Signs up through the web app and sends `texts` one by one, each read to its end over SSE. */
async function talkThroughTheWebApp(texts: string[]): Promise<void> {
  const signUp = await fetch(`${web.baseUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: web.baseUrl },
    body: JSON.stringify({ email: "metrics@example.com", password: "correct horse battery", name: "M" }),
  });
  expect(signUp.status).toBe(200);
  const cookie = cookieHeader(signUp);
  for (const text of texts) {
    const input = encodeURIComponent(JSON.stringify({ text }));
    const response = await fetch(`${web.baseUrl}/api/trpc/chat.send?input=${input}`, { headers: { cookie } });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(await response.text()).toContain('"status":"complete"');
  }
}

/** A series' value in Prometheus, summed over its labels (0 when it has none). */
async function sum(expression: string): Promise<number> {
  const [result] = await prometheus.query(`sum(${expression})`);
  return result?.value ?? 0;
}

describe("Prometheus scraping both apps", () => {
  it("reports the replies counter and the first-token histograms the apps expose", async () => {
    await talkThroughTheWebApp(messages);
    const direct = await scrape(serviceMetrics);
    const complete = 'model="gpt-4o-mini",status="complete"';
    expect(direct.get(`parley_replies_total{${complete}}`)).toBe(messages.length);
    expect(direct.get(`parley_reply_time_to_first_token_seconds_count{${complete}}`)).toBe(messages.length);

    await expect.poll(() => sum('parley_replies_total{status="complete"}'), { timeout: 15_000 }).toBe(3);
    await expect
      .poll(() => sum("parley_web_time_to_first_delta_seconds_count"), { timeout: 15_000 })
      .toBe(messages.length);
    expect(await sum("parley_reply_time_to_first_token_seconds_count")).toBe(messages.length);
    // Bucket by bucket, Prometheus holds what the service counted.
    const buckets = await prometheus.query(
      `parley_reply_time_to_first_token_seconds_bucket{job="parley-service",status="complete"}`,
    );
    expect(buckets.length).toBeGreaterThan(1);
    for (const { metric, value } of buckets) {
      expect(value).toBe(
        direct.get(`parley_reply_time_to_first_token_seconds_bucket{le="${metric["le"]}",${complete}}`),
      );
    }
    expect(
      await sum('parley_rpc_requests_total{method="parley.chat.v1.ChatService/SendMessage",code="ok"}'),
    ).toBe(messages.length);
    expect(await sum('parley_web_trpc_requests_total{procedure="chat.send",code="OK"}')).toBe(
      messages.length,
    );
    expect(await sum("up")).toBe(2);
  });

  it("has every metric the committed Grafana dashboard queries", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL("../../../deploy/grafana/dashboards/parley.json", import.meta.url), "utf8"),
    ) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exposed = new Set<string>();
    for (const target of [serviceMetrics, webMetrics]) {
      const text = await (await fetch(`http://${target}/metrics`)).text();
      for (const name of declaredSeriesNames(text)) exposed.add(name);
    }
    const used = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => target.expr.match(/\b(?:parley|nodejs|process)_\w+/g) ?? []),
    );
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    expect(used.length).toBeGreaterThanOrEqual(20);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });
});
