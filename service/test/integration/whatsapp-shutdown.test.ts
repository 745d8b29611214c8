import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { whatsAppTexts } from "../../src/domain/whatsapp-commands.js";
import {
  aSender,
  inbound,
  startWhatsAppParley,
  until,
  type WhatsAppHarness,
} from "../support/whatsapp-harness.js";

describe("on shutdown", () => {
  let harness: WhatsAppHarness;
  beforeAll(async () => {
    harness = await startWhatsAppParley();
  });
  afterAll(async () => {
    await harness?.simulator.close();
    await harness?.twilio.close();
    await harness?.database.drop();
  });

  it("an answer in flight ends interrupted: the sender gets what was written and a note; the turn records it", async () => {
    const sender = aSender();
    harness.simulator.script({ text: "word ".repeat(60), paceMs: 50 });
    expect((await harness.post(inbound(sender, "Take your time"))).status).toBe(200);
    await until(() => (harness.simulator.requests[0]?.deltasWritten ?? 0) >= 3);

    const stopping = harness.parley.shutdown(100);
    const late = inbound(aSender(), "Too late");
    await expect(
      harness.inbox.receive({
        messageSid: late["MessageSid"]!,
        from: late["From"]!,
        body: "Too late",
        mediaCount: 0,
      }),
    ).rejects.toMatchObject({ code: "service.shutting_down" });
    await stopping;

    expect(await harness.turns(sender)).toMatchObject([
      { status: "interrupted", parts_sent: 1, error_code: "service.shutting_down" },
    ]);
    const [replies] = await harness.database.pool.query<RowDataPacket[]>(
      "SELECT status, content FROM messages WHERE role = 'assistant' AND chat_id = ?",
      [(await harness.turns(sender))[0]!["chat_id"]],
    );
    expect(replies).toMatchObject([{ status: "interrupted", content: expect.stringMatching(/^word word/) }]);
    expect(harness.sentTo(sender)).toEqual([
      `${String(replies[0]!["content"]).trimEnd()}\n\n${whatsAppTexts.restarted}`,
    ]);
    expect(await harness.turns(late["From"]!)).toHaveLength(0);
  });
});
