import { parseSamples } from "@parley/test-support";
import { describe, expect, it } from "vitest";
import { createScriptedChatModel } from "../../../test/support/scripted-chat-model.js";
import type { ModelRequest } from "../../application/replies/chat-model.js";
import { DomainError } from "../../domain/errors.js";
import { createReplyMetrics } from "./reply-metrics.js";
import { createServiceMetrics } from "./service-metrics.js";

const request = (): ModelRequest => ({
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  maxOutputTokens: 100,
  temperature: 1,
});

describe("the observed model stream", () => {
  it("adds its deltas once, however the stream ends, and notes the first delta for the reply", async () => {
    const metrics = createServiceMetrics({ models: ["m"], processMetrics: false });
    let clock = 0;
    const replies = createReplyMetrics(metrics, () => clock);
    const scripted = createScriptedChatModel();
    const model = replies.observe(scripted);
    const deltas = async () =>
      parseSamples(await metrics.registry.metrics()).get(`parley_reply_deltas_total{model="m"}`) ?? 0;

    // Read to its end: three deltas, the first at t = 5.
    const whole = request();
    replies.observer.replyStarted(whole);
    clock = 5;
    const events = [];
    for await (const event of model.stream(whole, new AbortController().signal)) {
      events.push(event.type);
      clock++;
    }
    expect(events.filter((type) => type === "delta")).toHaveLength(3);
    replies.observer.replyEnded(whole, { type: "finished", status: "complete" } as never);
    const samples = parseSamples(await metrics.registry.metrics());
    expect(samples.get(`parley_reply_deltas_total{model="m"}`)).toBe(3);
    expect(samples.get(`parley_reply_time_to_first_token_seconds_sum{model="m",status="complete"}`)).toBe(
      0.005,
    );

    // Left after the first delta: that one counts.
    for await (const event of model.stream(request(), new AbortController().signal)) {
      if (event.type === "delta") break;
    }
    expect(await deltas()).toBe(4);

    // Failed after two deltas: they count, and so does the failure.
    scripted.enqueue({
      deltas: ["a", "b", "c"],
      fail: new DomainError("upstream.unavailable", "down"),
      failAfter: 2,
    });
    await expect(async () => {
      for await (const _ of model.stream(request(), new AbortController().signal));
    }).rejects.toThrow("down");
    const after = parseSamples(await metrics.registry.metrics());
    expect(after.get(`parley_reply_deltas_total{model="m"}`)).toBe(6);
    expect(after.get(`parley_upstream_errors_total{kind="connection"}`)).toBe(1);
  });
});
