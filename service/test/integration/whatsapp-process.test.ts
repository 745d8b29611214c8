import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { startServiceProcess } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { whatsAppWebhookPath } from "../../src/adapters/http/twilio-whatsapp-webhook.js";
import { startFakeTwilio, type FakeTwilio } from "../support/fake-twilio.js";
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
beforeAll(async () => {
  database = await createTestDatabase();
  twilio = await startFakeTwilio(twilioAccount);
});
afterAll(async () => {
  await twilio?.close();
  await database?.drop();
});

const post = (baseUrl: string, params: Record<string, string>) =>
  fetch(`${baseUrl}${whatsAppWebhookPath}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": getExpectedTwilioSignature(twilioAccount.authToken, webhookUrl, params),
    },
    body: new URLSearchParams(params).toString(),
  });

describe("the service process (npm start)", () => {
  it("with Twilio configured: says where to point Twilio, and answers WhatsApp through the Messages API", async () => {
    const service = await startServiceProcess({
      env: {
        DATABASE_URL: database.url,
        SIMULATOR_PACE_MS: "0",
        TWILIO_ACCOUNT_SID: twilioAccount.accountSid,
        TWILIO_AUTH_TOKEN: twilioAccount.authToken,
        TWILIO_WHATSAPP_FROM: ourNumber,
        PUBLIC_BASE_URL: `${publicBaseUrl}/`,
        TWILIO_API_BASE_URL: twilio.url,
      },
    });
    try {
      const log = service.output();
      expect(log).toContain(
        `WhatsApp is on: in Twilio, set \\"When a message comes in\\" for ${ourNumber} to POST ${webhookUrl}`,
      );
      expect(log).not.toContain(twilioAccount.authToken);
      const sender = aSender();
      expect((await post(service.baseUrl, inbound(sender, "What is gRPC?"))).status).toBe(200);
      const [reply] = await twilio.waitForMessages(1, 10_000);
      expect(reply).toMatchObject({ from: ourNumber, to: sender });
      // The simulator's Markdown demo answer, in WhatsApp's formatting.
      expect(reply!.body).toMatch(/^_\(simulated reply[\s\S]*\*What is gRPC\?\*/);
    } finally {
      service.child.kill("SIGTERM");
    }
    expect(await service.exited).toBe(0);
  });

  it("without Twilio settings: says WhatsApp is off, and the webhook is 404", async () => {
    const service = await startServiceProcess({ env: { DATABASE_URL: database.url } });
    try {
      expect(service.output()).toMatch(/WhatsApp is off: set TWILIO_ACCOUNT_SID/);
      expect((await post(service.baseUrl, inbound(aSender(), "hi"))).status).toBe(404);
    } finally {
      service.child.kill("SIGTERM");
    }
    expect(await service.exited).toBe(0);
  });

  it("refuses to start with part of the Twilio settings, naming what is missing", async () => {
    await expect(
      startServiceProcess({
        env: { DATABASE_URL: database.url, TWILIO_ACCOUNT_SID: twilioAccount.accountSid },
      }),
    ).rejects.toThrow(/TWILIO_AUTH_TOKEN[\s\S]*TWILIO_WHATSAPP_FROM[\s\S]*PUBLIC_BASE_URL/);
  });
});
