/**
 * WhatsApp on two service processes, A and B, sharing one database and one Redis: Twilio's webhooks may
 * land on either, `/stop` reaches the answer wherever it is generated, and a killed replica's turn is
 * ended by the other one's sweeper.
 */
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { whatsAppWebhookPath } from "../../src/adapters/http/twilio-whatsapp-webhook.js";
import { createSimulator, type Simulator } from "../../src/simulator/simulator.js";
import { startFakeTwilio, type FakeTwilio } from "../support/fake-twilio.js";
import { openTestRedis, type TestRedis } from "../support/redis.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import {
  aSender,
  inbound,
  ourNumber,
  publicBaseUrl,
  twilioAccount,
  webhookUrl,
} from "../support/whatsapp-harness.js";

let database: TestDatabase;
let twilio: FakeTwilio;
let simulator: Simulator;
let redis: TestRedis;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  redis = openTestRedis();
  database = await createTestDatabase();
  twilio = await startFakeTwilio(twilioAccount);
  simulator = createSimulator({ paceMs: 20 });
  await simulator.listen(0, "127.0.0.1");
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop("SIGKILL")));
  simulator.reset();
});
afterAll(async () => {
  await simulator?.close();
  await twilio?.close();
  await database?.drop();
  await redis?.cleanup();
});

async function replica(): Promise<ServiceProcess> {
  const service = await startServiceProcess({
    env: {
      DATABASE_URL: database.url,
      OPENAI_API_KEY: "sk-simulated",
      OPENAI_BASE_URL: simulator.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      REPLY_LEASE_MS: "1000",
      REPLY_LEASE_RENEW_MS: "200",
      REPLY_LEASE_SWEEP_MS: "200",
      TWILIO_ACCOUNT_SID: twilioAccount.accountSid,
      TWILIO_AUTH_TOKEN: twilioAccount.authToken,
      TWILIO_WHATSAPP_FROM: ourNumber,
      PUBLIC_BASE_URL: `${publicBaseUrl}/`,
      TWILIO_API_BASE_URL: twilio.url,
    },
  });
  started.push(service);
  return service;
}

const post = (service: ServiceProcess, params: Record<string, string>) =>
  fetch(`${service.baseUrl}${whatsAppWebhookPath}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": getExpectedTwilioSignature(twilioAccount.authToken, webhookUrl, params),
    },
    body: new URLSearchParams(params).toString(),
  });

/** A long answer, paced so that it is still being generated while the test acts. */
function aLongAnswer(): void {
  simulator.script({ text: Array.from({ length: 300 }, (_, i) => `word${i}`).join(" "), paceMs: 20 });
}

async function turnOf(sender: string) {
  const [rows] = await database.pool.query(
    "select status, reply_id as replyId from whatsapp_messages where sender = ? and kind = 'chat' order by created_at desc limit 1",
    [sender],
  );
  return (rows as { status: string; replyId: string | null }[])[0];
}

// Each test starts two processes: on two busy cores that alone can take seconds.
vi.setConfig({ testTimeout: 60_000 });

describe("WhatsApp on two replicas", () => {
  it("`/stop` landing on B stops the answer A is generating; the sender gets it ending (stopped)", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const sender = aSender();
    aLongAnswer();
    expect((await post(a, inbound(sender, "Tell me a long story"))).status).toBe(200);
    await expect
      .poll(() => simulator.requests.at(-1)?.deltasWritten ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(3);
    const request = simulator.requests.at(-1);
    expect((await post(b, inbound(sender, "/stop"))).status).toBe(200);
    await simulator.clientClosed(request, 2_000);
    const [answer] = await twilio.waitForMessages(1, 5_000);
    expect(answer!.to).toBe(sender);
    expect(answer!.body).toMatch(/\(stopped\)$/);
  });

  it("SIGKILL A mid-answer: B's sweeper ends the turn and its reply interrupted; B answers the next message", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const sender = aSender();
    aLongAnswer();
    expect((await post(a, inbound(sender, "Tell me a long story"))).status).toBe(200);
    await expect
      .poll(() => simulator.requests.at(-1)?.deltasWritten ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(3);
    await a.stop("SIGKILL");
    await expect.poll(async () => (await turnOf(sender))?.status, { timeout: 5_000 }).toBe("interrupted");
    const { replyId } = (await turnOf(sender))!;
    const [replies] = await database.pool.query("select status from messages where id = ?", [replyId]);
    expect((replies as { status: string }[])[0]!.status).toBe("interrupted");

    const before = twilio.messages.length;
    expect((await post(b, inbound(sender, "Are you there?"))).status).toBe(200);
    const messages = await twilio.waitForMessages(before + 1, 10_000);
    expect(messages.at(-1)!.to).toBe(sender);
  });
});
