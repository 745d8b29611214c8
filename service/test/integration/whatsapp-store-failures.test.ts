import { afterEach, describe, expect, it } from "vitest";
import { storageUnavailable } from "../../src/adapters/mysql/storage-errors.js";
import type { WhatsAppStore } from "../../src/application/whatsapp/whatsapp-ports.js";
import { whatsAppTexts } from "../../src/domain/whatsapp-commands.js";
import { aSender, inbound, useWhatsAppParley } from "../support/whatsapp-harness.js";

/** The store's methods that fail, as if the database were gone while they ran. */
const failing = new Set<keyof WhatsAppStore>();

const harness = useWhatsAppParley({
  wrapStore: (store) =>
    Object.fromEntries(
      Object.entries(store).map(([name, method]) => [
        name,
        (...args: unknown[]) =>
          failing.has(name as keyof WhatsAppStore)
            ? Promise.reject(storageUnavailable(new Error("down")))
            : (method as (...args: unknown[]) => unknown)(...args),
      ]),
    ) as unknown as WhatsAppStore,
});
afterEach(() => failing.clear());

describe("when the WhatsApp store fails", () => {
  it("while recording: the webhook answers 503 (Twilio reports it) and nothing is asked of the model", async () => {
    failing.add("recordTurn");
    const response = await harness.post(inbound(aSender(), "Hello"));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "storage.unavailable" } });
    await harness.inbox.idle();
    expect(harness.simulator.requests).toHaveLength(0);
    expect(harness.twilio.requests).toHaveLength(0);
  });

  it("while answering: the sender gets an apology and the turn still ends, failed", async () => {
    const sender = aSender();
    failing.add("leaveChat");
    await harness.say(sender, "/new");
    expect(harness.sentTo(sender)).toEqual([whatsAppTexts.failed]);
    expect(await harness.turns(sender)).toMatchObject([
      { kind: "command", status: "failed", error_code: "storage.unavailable", parts_sent: 1 },
    ]);
  });

  it("while noting the chat: the answer is still delivered", async () => {
    const sender = aSender();
    failing.add("replyStarted");
    harness.simulator.script({ text: "Still here." });
    await harness.say(sender, "Hello");
    expect(harness.sentTo(sender)).toEqual(["Still here."]);
    expect(await harness.turns(sender)).toMatchObject([{ status: "answered", parts_sent: 1 }]);
  });
});
