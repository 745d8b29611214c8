import { describe, expect, it } from "vitest";
import { whatsAppTexts } from "../../src/domain/whatsapp-commands.js";
import { aSender, useWhatsAppParley } from "../support/whatsapp-harness.js";

const harness = useWhatsAppParley();

describe("sending the answer through Twilio", () => {
  it("retries Twilio's 5xx and 429, then delivers", async () => {
    const sender = aSender();
    harness.simulator.script({ text: "Worth the wait." });
    harness.twilio.fail({ status: 500, code: 20500 }, { status: 429, code: 20429, retryAfter: "0" });
    await harness.say(sender, "Hello");
    expect(harness.twilio.requests.map((request) => request.status)).toEqual([500, 429, 201]);
    expect(harness.sentTo(sender)).toEqual(["Worth the wait."]);
    expect(await harness.turns(sender)).toMatchObject([
      { status: "answered", parts_sent: 1, error_code: null },
    ]);
  });

  it("does not retry 63016 (outside the 24-hour window): logs it and stores it on the turn", async () => {
    const sender = aSender();
    const message = "Failed to send freeform message because you are outside the allowed window.";
    harness.twilio.fail({ status: 400, code: 63016, message });
    await harness.say(sender, "Hello again, after two days");
    expect(harness.twilio.requests).toHaveLength(1);
    expect(await harness.turns(sender)).toMatchObject([
      {
        kind: "chat",
        status: "failed",
        parts_sent: 0,
        error_code: "63016",
        error: `Twilio 400 (63016): ${message}`,
      },
    ]);
    // The answer itself was generated and kept in the chat.
    expect(harness.simulator.requests).toHaveLength(1);
  });

  it("stops at a part Twilio refuses (21617), keeping the parts before it and sending none after", async () => {
    const sender = aSender();
    const paragraph = (n: number) => `Part ${n}. ${"word ".repeat(300).trim()}`;
    harness.simulator.script({ text: [1, 2, 3].map(paragraph).join("\n\n") });
    const refusal = "The concatenated message body exceeds the 1600 character limit.";
    harness.twilio.fail("accept", { status: 400, code: 21617, message: refusal });
    await harness.say(sender, "Long please");
    expect(harness.twilio.requests.map((request) => request.status)).toEqual([201, 400]);
    expect(harness.sentTo(sender)).toEqual([paragraph(1)]);
    expect(harness.twilio.requests[1]!.body).toBe(paragraph(2));
    expect(await harness.turns(sender)).toMatchObject([
      { status: "failed", parts_sent: 1, error_code: "21617", error: `Twilio 400 (21617): ${refusal}` },
    ]);
  });

  it("tells the sender when the model fails, and stores the failure", async () => {
    const sender = aSender();
    harness.simulator.script({ fault: { kind: "status", status: 400, code: "invalid_request_error" } });
    await harness.say(sender, "Hello");
    expect(harness.sentTo(sender)).toEqual([whatsAppTexts.failed]);
    expect(await harness.turns(sender)).toMatchObject([
      { status: "failed", error_code: "upstream.rejected", parts_sent: 1 },
    ]);
  });
});
