import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Logger } from "../../application/ports.js";
import { createTwilioWhatsAppWebhook } from "./twilio-whatsapp-webhook.js";

const lines: [string, Record<string, unknown> | undefined][] = [];
const logger: Logger = { info: () => {}, warn: (m, f) => lines.push([m, f]), error: () => {} };
let server: Server;
let url: string;

beforeAll(async () => {
  const webhook = createTwilioWhatsAppWebhook({
    receive: () => Promise.resolve("accepted"),
    authToken: "token",
    publicBaseUrl: "https://parley.test",
    logger,
    refusalLog: { intervalMs: 60_000 },
  });
  server = createServer((request, response) => void webhook(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/twilio/whatsapp`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it("logs a flood of wrongly signed requests with 15 KB query strings as one bounded line", async () => {
  const query = `?q=${"x".repeat(15_000)}`;
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${url}${query}${i}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "forged" },
      body: "MessageSid=SM1&From=whatsapp%3A%2B15550001111&Body=hi",
    });
    expect(response.status).toBe(403);
  }
  expect(lines).toHaveLength(1);
  const [message, fields] = lines[0]!;
  expect(message).toMatch(/wrong signature/);
  expect(fields).toEqual({
    kind: "signature.invalid",
    url: expect.stringMatching(
      /^https:\/\/parley\.test\/webhooks\/twilio\/whatsapp\?q=x+…\[\d+ more characters\]$/,
    ),
  });
  expect((fields!.url as string).length).toBeLessThan(250);
});
