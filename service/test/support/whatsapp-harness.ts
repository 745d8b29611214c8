/**
 * A whole Parley with WhatsApp on, for integration tests: the parley harness (MariaDB, the simulator as
 * the model) plus the fake Twilio Messages API, and a client that posts webhooks exactly as Twilio does —
 * a form signed by the `twilio` package's own code, so our validation is checked against Twilio's.
 */
import { randomBytes } from "node:crypto";
import type { RowDataPacket } from "mysql2/promise";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { whatsAppWebhookPath } from "../../src/adapters/http/twilio-whatsapp-webhook.js";
import { createMysqlWhatsAppStore } from "../../src/adapters/mysql/mysql-whatsapp-store.js";
import { createTwilioMessagesApi } from "../../src/adapters/twilio/twilio-messages-api.js";
import type { WhatsAppStore } from "../../src/application/whatsapp/whatsapp-ports.js";
import { startFakeTwilio } from "./fake-twilio.js";
import { startParley, type HarnessOptions } from "./parley-harness.js";
import { silentLogger } from "./use-case-fixture.js";

export const twilioAccount = { accountSid: `AC${"0a1b2c3d".repeat(4)}`, authToken: "twilio-test-auth-token" };
/** Our WhatsApp sender (Twilio's sandbox number). */
export const ourNumber = "whatsapp:+14155238886";
/** What PUBLIC_BASE_URL would be: the tunnel or proxy Twilio calls, not the port the test talks to. */
export const publicBaseUrl = "https://parley.example.com";
export const webhookUrl = `${publicBaseUrl}${whatsAppWebhookPath}`;

let senders = 0;
/** A WhatsApp sender no other test uses. */
export const aSender = () =>
  `whatsapp:+5511${String(process.pid % 10_000).padStart(4, "0")}${String(++senders).padStart(5, "0")}`;

/** The form Twilio posts for an inbound WhatsApp text (the fields of a real sandbox delivery). */
export function inbound(
  from: string,
  body: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const sid = `SM${randomBytes(16).toString("hex")}`;
  return {
    SmsMessageSid: sid,
    NumMedia: "0",
    ProfileName: "Test User",
    MessageType: "text",
    SmsSid: sid,
    WaId: from.replace("whatsapp:+", ""),
    SmsStatus: "received",
    Body: body,
    To: ourNumber,
    NumSegments: "1",
    ReferralNumMedia: "0",
    MessageSid: sid,
    AccountSid: twilioAccount.accountSid,
    From: from,
    ApiVersion: "2010-04-01",
    ...extra,
  };
}

export interface PostOptions {
  /** The URL the signature covers; default the configured public webhook URL. */
  signedUrl?: string;
  authToken?: string;
  /** Replaces the computed signature; null sends none. */
  signature?: string | null;
  /** Parameters signed instead of the ones posted (to tamper with a signed request). */
  signedParams?: Record<string, string>;
}

export interface WhatsAppHarnessOptions extends HarnessOptions {
  /** Wraps the real store (to make it fail). */
  wrapStore?: (store: WhatsAppStore) => WhatsAppStore;
}

export async function startWhatsAppParley({
  wrapStore = (store) => store,
  ...options
}: WhatsAppHarnessOptions = {}) {
  const twilio = await startFakeTwilio(twilioAccount);
  const harness = await startParley({
    ...options,
    whatsapp: (database) => ({
      store: wrapStore(createMysqlWhatsAppStore(database.db)),
      sender: createTwilioMessagesApi({
        ...twilioAccount,
        baseUrl: twilio.url,
        backoffMs: 20,
        logger: silentLogger,
      }),
      from: ourNumber,
      authToken: twilioAccount.authToken,
      publicBaseUrl,
    }),
  });
  const inbox = harness.parley.whatsapp!;

  /** Posts a webhook the way Twilio does. */
  const post = (params: Record<string, string>, postOptions: PostOptions = {}) => {
    const signature =
      postOptions.signature === undefined
        ? getExpectedTwilioSignature(
            postOptions.authToken ?? twilioAccount.authToken,
            postOptions.signedUrl ?? webhookUrl,
            postOptions.signedParams ?? params,
          )
        : postOptions.signature;
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "TwilioProxy/1.1",
    };
    if (signature !== null) headers["x-twilio-signature"] = signature;
    return fetch(`${harness.baseUrl}${whatsAppWebhookPath}`, {
      method: "POST",
      headers,
      body: new URLSearchParams(params).toString(),
    });
  };

  return {
    ...harness,
    twilio,
    inbox,
    post,
    /** Posts a text from `from` and waits until it was answered (sent and recorded). */
    async say(from: string, body: string, extra: Record<string, string> = {}) {
      const response = await post(inbound(from, body, extra));
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
      await inbox.idle();
    },
    /** What Twilio was asked to send to `to`, in order. */
    sentTo: (to: string) => twilio.messages.filter((message) => message.to === to).map((m) => m.body),
    /** The sender's recorded turns, oldest first. */
    async turns(sender: string) {
      const [rows] = await harness.database.pool.query<RowDataPacket[]>(
        "SELECT * FROM whatsapp_messages WHERE sender = ? ORDER BY created_at, message_sid",
        [sender],
      );
      return rows;
    },
    async stop() {
      await harness.stop();
      await twilio.close();
    },
  };
}

export type WhatsAppHarness = Awaited<ReturnType<typeof startWhatsAppParley>>;

/**
 * One harness for a test file: started before its tests, quiet between them (answers in flight finished,
 * scripts and recordings cleared), stopped after them. Usable once `beforeAll` ran.
 */
export function useWhatsAppParley(options: WhatsAppHarnessOptions = {}): WhatsAppHarness {
  const harness = {} as WhatsAppHarness;
  beforeAll(async () => void Object.assign(harness, await startWhatsAppParley(options)));
  afterEach(async () => {
    await harness.inbox.idle();
    harness.simulator.reset();
    harness.twilio.reset();
  });
  afterAll(() => harness.stop?.());
  return harness;
}

/** Waits until `condition` holds, polling. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
