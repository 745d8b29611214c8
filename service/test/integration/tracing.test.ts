// Tracing in the service, in process, with the real OpenTelemetry SDK exporting over OTLP/HTTP to an
// in-test receiver: an RPC continues its caller's W3C traceparent, and its turn transaction, model request
// (GenAI attributes, the first token as an event) and final write are its children; a WhatsApp message
// is one trace from the webhook through the model to the Twilio sends; no message text is exported; log
// lines carry the request id, and the trace and span ids.
import { startOtlpReceiver, type ReceivedSpan } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleLogger } from "../../src/adapters/console-logger.js";
import { startTracing, type Tracing } from "../../src/adapters/tracing/start-tracing.js";
import { traceFields } from "../../src/adapters/tracing/trace-fields.js";
import { collectReply } from "../support/rpc-probes.js";
import { aSender, startWhatsAppParley, type WhatsAppHarness } from "../support/whatsapp-harness.js";

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: Tracing;
let harness: WhatsAppHarness;
const lines: Record<string, unknown>[] = [];
const capture = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  process.env["OTEL_BSP_SCHEDULE_DELAY"] = "50";
  tracing = (await startTracing({ endpoint: receiver.url, serviceName: "parley-service" }))!;
  const logger = createConsoleLogger("info", {}, { stdout: capture, stderr: capture }, traceFields);
  harness = await startWhatsAppParley({ tracing: true, logger, modelLogger: logger, maxRetries: 0 });
});

afterAll(async () => {
  await harness?.stop();
  await tracing?.shutdown();
  await receiver?.close();
});

const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
function named(spans: ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((span) => span.name === name);
}

describe("service traces", () => {
  it("continue the caller's traceparent: RPC → turn transaction, model request, final write", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    harness.simulator.script({ deltas: ["Secret", " answer"] });
    const reply = await collectReply(
      harness
        .client("grpc")
        .sendMessage(
          { userId: "traced", text: "my pineapple secret" },
          { headers: { traceparent: `00-${traceId}-${callerSpan}-01` } },
        ),
    );
    expect(reply.finished?.finishReason).toBe("stop");
    await expect
      .poll(
        () =>
          spansOf(traceId)
            .map((span) => span.name)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual([
        "chat gpt-4o-mini",
        "final write",
        "parley.chat.v1.ChatService/SendMessage",
        "turn transaction",
      ]);
    const spans = spansOf(traceId);
    const [rpc] = named(spans, "parley.chat.v1.ChatService/SendMessage");
    expect(rpc).toMatchObject({ parentSpanId: callerSpan, kind: 2, service: "parley-service" });
    for (const child of spans.filter((span) => span !== rpc)) expect(child.parentSpanId).toBe(rpc!.spanId);
    const [model] = named(spans, "chat gpt-4o-mini");
    expect(model!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.max_tokens": 1_000,
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": reply.finished!.usage!.promptTokens,
      "gen_ai.usage.output_tokens": reply.finished!.usage!.completionTokens,
    });
    expect(model!.events).toEqual(["gen_ai.first_token"]);
    expect(receiver.bodies.some((body) => /pineapple|Secret/.test(body))).toBe(false);
  });

  it("puts the request id, and the trace and span ids, on log lines written for an RPC", async () => {
    harness.simulator.script({ fault: { kind: "status", status: 503, times: 1 } });
    const reply = await collectReply(
      harness
        .client("grpc")
        .sendMessage({ userId: "logged", text: "fail" }, { headers: { "x-request-id": "req-42" } }),
    );
    harness.simulator.reset();
    expect(reply.finished?.status).toBeDefined();
    const line = lines.find((entry) => entry["message"] === "openai unavailable after retries");
    expect(line).toMatchObject({ request_id: "req-42", level: "warn" });
    await expect
      .poll(() => named(receiver.spans, "chat gpt-4o-mini").map((span) => span.traceId))
      .toContain(line!["trace_id"]);
    const model = receiver.spans.find(
      (span) => span.traceId === line!["trace_id"] && span.name.startsWith("chat "),
    );
    expect(model).toMatchObject({ spanId: line!["span_id"], status: 2 });
    expect(model!.attributes["error.type"]).toBe("upstream.unavailable");
  });

  it("makes a WhatsApp message one trace: webhook → turn, model, final write → Twilio sends", async () => {
    const sender = aSender();
    harness.simulator.script({ deltas: ["Hello", " there"] });
    await harness.say(sender, "a whatsapp pineapple");
    await expect
      .poll(() => named(receiver.spans, "twilio send").length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    const [webhook] = named(receiver.spans, "WhatsApp webhook");
    expect(webhook).toMatchObject({ parentSpanId: null, kind: 2 });
    await expect
      .poll(() => new Set(spansOf(webhook!.traceId).map((span) => span.name)), { timeout: 10_000 })
      .toEqual(
        new Set(["WhatsApp webhook", "turn transaction", "chat gpt-4o-mini", "final write", "twilio send"]),
      );
    expect(named(spansOf(webhook!.traceId), "twilio send")).toHaveLength(harness.sentTo(sender).length);
    expect(receiver.bodies.some((body) => body.includes("pineapple"))).toBe(false);
  });
});
