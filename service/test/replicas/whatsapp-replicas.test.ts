/**
 * WhatsApp on two service processes, A and B, sharing one database and one Redis: Twilio's webhooks may
 * land on either, `/stop` reaches the answer wherever it is generated, and a killed replica's turn is
 * ended by the other one's sweeper.
 */
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ServiceProcess } from "@parley/test-support";
import { whatsAppWebhookPath } from "../../src/adapters/http/twilio-whatsapp-webhook.js";
import { startFakeTwilio, type FakeTwilio } from "../support/fake-twilio.js";
import {
  aSender,
  inbound,
  ourNumber,
  publicBaseUrl,
  twilioAccount,
  webhookUrl,
} from "../support/whatsapp-harness.js";
import { useReplicaCluster } from "./replica-cluster.js";

let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio(twilioAccount);
});
afterAll(() => twilio?.close());
const cluster = useReplicaCluster({
  TWILIO_ACCOUNT_SID: twilioAccount.accountSid,
  TWILIO_AUTH_TOKEN: twilioAccount.authToken,
  TWILIO_WHATSAPP_FROM: ourNumber,
  PUBLIC_BASE_URL: `${publicBaseUrl}/`,
  // Read when a replica starts, by which time the fake Twilio listens.
  get TWILIO_API_BASE_URL() {
    return twilio.url;
  },
});
const replica = () => cluster.replica();

const post = (service: ServiceProcess, params: Record<string, string>) =>
  fetch(`${service.baseUrl}${whatsAppWebhookPath}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": getExpectedTwilioSignature(twilioAccount.authToken, webhookUrl, params),
    },
    body: new URLSearchParams(params).toString(),
  });

/** A new sender asks `service` something whose answer is long; resolves once it is being written. */
async function aLongAnswerBeingWrittenOn(service: ServiceProcess): Promise<string> {
  const sender = aSender();
  cluster.simulator.script({ text: Array.from({ length: 300 }, (_, i) => `word${i}`).join(" "), paceMs: 20 });
  expect((await post(service, inbound(sender, "Tell me a long story"))).status).toBe(200);
  await expect
    .poll(() => cluster.simulator.requests.at(-1)?.deltasWritten ?? 0, { timeout: 10_000 })
    .toBeGreaterThan(3);
  return sender;
}

async function turnOf(sender: string) {
  const [rows] = await cluster.database.pool.query(
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
    const sender = await aLongAnswerBeingWrittenOn(a);
    const request = cluster.simulator.requests.at(-1);
    expect((await post(b, inbound(sender, "/stop"))).status).toBe(200);
    await cluster.simulator.clientClosed(request, 2_000);
    const [answer] = await twilio.waitForMessages(1, 5_000);
    expect(answer!.to).toBe(sender);
    expect(answer!.body).toMatch(/\(stopped\)$/);
  });

  it("SIGKILL A mid-answer: B's sweeper ends the turn and its reply interrupted; B answers the next message", async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const sender = await aLongAnswerBeingWrittenOn(a);
    await a.stop("SIGKILL");
    await expect.poll(async () => (await turnOf(sender))?.status, { timeout: 5_000 }).toBe("interrupted");
    const { replyId } = (await turnOf(sender))!;
    // The turn and its reply hold leases of their own, renewed apart: they may be swept a tick apart.
    const replyStatus = async () => {
      const [replies] = await cluster.database.pool.query("select status from messages where id = ?", [
        replyId,
      ]);
      return (replies as { status: string }[])[0]!.status;
    };
    await expect.poll(replyStatus, { timeout: 5_000 }).toBe("interrupted");

    const before = twilio.messages.length;
    expect((await post(b, inbound(sender, "Are you there?"))).status).toBe(200);
    const messages = await twilio.waitForMessages(before + 1, 10_000);
    expect(messages.at(-1)!.to).toBe(sender);
  });
});
