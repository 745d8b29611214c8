import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../../application/ports.js";
import { startFakeTwilio, type FakeTwilio } from "../../../test/support/fake-twilio.js";
import { createTwilioMessagesApi, type TwilioMessagesApiOptions } from "./twilio-messages-api.js";

const accountSid = `AC${"0123456789abcdef".repeat(2)}`;
const authToken = "twilio-test-auth-token";
const message = { from: "whatsapp:+14155238886", to: "whatsapp:+5511987654321", body: "Olá! 👋 a+b=c & d" };

let twilio: FakeTwilio;
const warnings: string[] = [];
const logger: Logger = { info() {}, warn: (text) => void warnings.push(text), error() {} };

beforeAll(async () => {
  twilio = await startFakeTwilio({ accountSid, authToken });
});
afterAll(() => twilio.close());
beforeEach(() => {
  twilio.reset();
  warnings.length = 0;
});

const api = (options: Partial<TwilioMessagesApiOptions> = {}) =>
  createTwilioMessagesApi({ accountSid, authToken, baseUrl: twilio.url, backoffMs: 10, logger, ...options });

describe("the Twilio Messages API client", () => {
  it("posts From, To and Body as a form with basic auth, and returns Twilio's message sid", async () => {
    const result = await api().send(message);
    expect(result).toMatchObject({ ok: true, id: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0]).toMatchObject({ accountSid, ...message, status: 201 });
    expect(twilio.requests[0]!.authorization).toBe(
      `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
    );
  });

  it("retries 5xx and 429 with backoff, then succeeds", async () => {
    twilio.fail({ status: 503 }, { status: 429, code: 20429 }, { status: 500 });
    const result = await api().send(message);
    expect(result.ok).toBe(true);
    expect(twilio.requests.map((r) => r.status)).toEqual([503, 429, 500, 201]);
    expect(warnings).toHaveLength(3);
    const gaps = twilio.requests.slice(1).map((r, i) => r.receivedAt - twilio.requests[i]!.respondedAt);
    // 10, 20, 40 ms (+ up to 25% jitter): each wait longer than the one before.
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
  });

  it("honours Retry-After", async () => {
    twilio.fail({ status: 429, code: 20429, retryAfter: "1" });
    const result = await api({ backoffMs: 1 }).send(message);
    expect(result.ok).toBe(true);
    expect(twilio.requests[1]!.receivedAt - twilio.requests[0]!.respondedAt).toBeGreaterThanOrEqual(990);
  });

  it("gives up after the bounded number of retries and reports the last failure", async () => {
    twilio.fail(...Array.from({ length: 5 }, () => ({ status: 503, code: 20503, message: "Unavailable" })));
    const result = await api({ maxRetries: 2 }).send(message);
    expect(result).toEqual({ ok: false, code: "20503", error: "Twilio 503 (20503): Unavailable" });
    expect(twilio.requests).toHaveLength(3);
  });

  it("does not park a message behind a Retry-After longer than the cap", async () => {
    twilio.fail({ status: 429, code: 20429, retryAfter: "3600" });
    const result = await api({ maxRetryAfterMs: 1_000 }).send(message);
    expect(result).toMatchObject({ ok: false, code: "20429" });
    expect(twilio.requests).toHaveLength(1);
  });

  it.each([
    [63016, "Failed to send freeform message because you are outside the allowed window."],
    [21617, "The concatenated message body exceeds the 1600 character limit."],
    [21211, "Invalid 'To' Phone Number"],
  ])("does not retry error %i", async (code, text) => {
    twilio.fail({ status: 400, code, message: text });
    const result = await api().send(message);
    expect(result).toEqual({ ok: false, code: String(code), error: `Twilio 400 (${code}): ${text}` });
    expect(twilio.requests).toHaveLength(1);
  });

  it("reports wrong credentials without retrying", async () => {
    const result = await api({ authToken: "wrong" }).send(message);
    expect(result).toMatchObject({ ok: false, code: "20003" });
    expect(twilio.requests).toHaveLength(1);
  });

  it("retries when Twilio cannot be reached, then reports it", async () => {
    const result = await api({ baseUrl: "http://127.0.0.1:1", maxRetries: 1 }).send(message);
    expect(result).toMatchObject({ ok: false, code: null, error: expect.stringMatching(/unreachable/) });
    expect(warnings).toHaveLength(1);
  });

  it("stops waiting to retry when its signal aborts", async () => {
    twilio.fail({ status: 503 }, { status: 503 });
    const shutdown = new AbortController();
    const sending = api({ backoffMs: 60_000 }).send(message, shutdown.signal);
    await expect.poll(() => twilio.requests.length).toBe(1); // the first try failed: a minute's back-off
    shutdown.abort(); // waiting it out would outlast the test's timeout
    expect(await sending).toMatchObject({ ok: false });
    expect(twilio.requests).toHaveLength(1);
  });
});
