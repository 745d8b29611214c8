/**
 * One message through the built web app and service, both exporting traces over OTLP/HTTP to a real
 * in-test receiver: one trace from the BFF's tRPC call through the Connect call (W3C traceparent in the
 * gRPC metadata) to the service's RPC, the turn transaction, the model request (GenAI attributes, the
 * first token as an event) and the final write. The message's text is in no span. A sign-in is a span
 * with its outcome, and neither the email nor the password is in it.
 */
import { startOtlpReceiver, type ReceivedSpan } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookieHeader } from "../support/bff-harness";
import { startTestService, type TestService } from "../support/service-process";
import { startTestWeb, type TestWeb } from "../support/web-process";

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let service: TestService;
let web: TestWeb;
const secret = "pineapple lighthouse";

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "100" };
  service = await startTestService({ paceMs: 2, env: tracing });
  web = await startTestWeb(service, tracing);
});

afterAll(async () => {
  await web?.stop();
  await service?.stop();
  await receiver?.close();
});

function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `one span named ${name}`,
  ).toEqual([name]);
  return found[0]!;
}

describe("tracing across web and service", () => {
  it("makes one trace of a message, shaped tRPC → Connect → RPC → turn, model, final write", async () => {
    const signUp = await fetch(`${web.baseUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: web.baseUrl },
      body: JSON.stringify({ email: "traced@example.com", password: "correct horse battery", name: "T" }),
    });
    expect(signUp.status).toBe(200);
    const input = encodeURIComponent(JSON.stringify({ text: `Remember: ${secret}` }));
    const response = await fetch(`${web.baseUrl}/api/trpc/chat.send?input=${input}`, {
      headers: { cookie: cookieHeader(signUp) },
    });
    expect(await response.text()).toContain('"status":"complete"');

    await expect
      .poll(() => receiver.spans.map((span) => span.name), { timeout: 15_000 })
      .toEqual(expect.arrayContaining(["tRPC chat.send", "final write"]));
    const trpc = one(receiver.spans, "tRPC chat.send");
    const trace = receiver.spans.filter((span) => span.traceId === trpc.traceId);
    const client = trace.find((span) => span.service === "parley-web" && span.name.endsWith("/SendMessage"))!;
    const rpc = trace.find(
      (span) => span.service === "parley-service" && span.name.endsWith("/SendMessage"),
    )!;
    const turn = one(trace, "turn transaction");
    const model = one(trace, "chat gpt-4o-mini");
    const write = one(trace, "final write");

    expect(trpc.service).toBe("parley-web");
    expect(client.parentSpanId).toBe(trpc.spanId);
    expect([client.kind, rpc.kind]).toEqual([3, 2]);
    expect(rpc.parentSpanId).toBe(client.spanId);
    for (const child of [turn, model, write]) {
      expect(child.service).toBe("parley-service");
      expect(child.parentSpanId).toBe(rpc.spanId);
    }
    expect(model.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.finish_reasons": ["stop"],
    });
    expect(model.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(model.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(model.events).toEqual(["gen_ai.first_token"]);
    expect(receiver.bodies.some((body) => body.includes(secret))).toBe(false);
    expect(receiver.bodies.some((body) => body.includes("Remember"))).toBe(false);
  });

  it("makes a span of each email sign-in with its outcome, without the email or the password", async () => {
    const signIn = (password: string) =>
      fetch(`${web.baseUrl}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: web.baseUrl },
        body: JSON.stringify({ email: "traced@example.com", password }),
      });
    expect((await signIn("wrong horse battery")).status).toBe(401);
    expect((await signIn("correct horse battery")).status).toBe(200);
    const signIns = () => receiver.spans.filter((span) => span.name === "sign-in email");
    await expect.poll(() => signIns().length, { timeout: 15_000 }).toBe(2);
    expect(signIns().map((span) => [span.attributes["parley.auth.outcome"], span.service])).toEqual([
      ["failed", "parley-web"],
      ["ok", "parley-web"],
    ]);
    expect(signIns().map((span) => span.attributes["http.response.status_code"])).toEqual([401, 200]);
    for (const text of ["traced@example.com", "horse battery"])
      expect(receiver.bodies.some((body) => body.includes(text))).toBe(false);
  });
});
