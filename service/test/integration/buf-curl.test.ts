import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufCurl } from "../support/buf-curl.js";
import { startParley, testToken, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley();
});
afterAll(() => harness?.stop());

const auth = `authorization: Bearer ${testToken}`;
const curl = (...args: string[]) =>
  bufCurl(["--protocol", "grpc", "--http2-prior-knowledge", "-H", auth, "--reflect-header", auth, ...args]);

describe("buf curl, with no proto files (reflection)", () => {
  it("sends a message and prints the streamed events, then reads the chat", async () => {
    harness.simulator.script({ deltas: ["Streamed", " by", " buf"] });
    const { stdout } = await curl(
      "-d",
      JSON.stringify({ userId: "buf", text: "hello from buf" }),
      `${harness.baseUrl}/parley.chat.v1.ChatService/SendMessage`,
    );
    const events = stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((chunk) => JSON.parse(chunk) as { event: Record<string, Record<string, unknown>> });
    expect(Object.keys(events[0]!.event)).toEqual(["started"]);
    expect(events.filter((e) => e.event["delta"]).map((e) => e.event["delta"]!["text"])).toEqual([
      "Streamed",
      " by",
      " buf",
    ]);
    expect(events.at(-1)!.event["finished"]).toMatchObject({
      status: "REPLY_STATUS_COMPLETE",
      finishReason: "stop",
    });

    const chatId = events[0]!.event["started"]!["chatId"] as string;
    const chat = JSON.parse(
      (
        await curl(
          "-d",
          JSON.stringify({ userId: "buf", chatId }),
          `${harness.baseUrl}/parley.chat.v1.ChatService/GetChat`,
        )
      ).stdout,
    );
    expect(chat.messages.map((m: { content: string }) => m.content)).toEqual([
      "hello from buf",
      "Streamed by buf",
    ]);
  });

  it("is refused without the token", async () => {
    await expect(
      bufCurl([
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--reflect-header",
        auth,
        "-d",
        JSON.stringify({ userId: "buf" }),
        `${harness.baseUrl}/parley.chat.v1.ChatService/ListChats`,
      ]),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/unauthenticated/i) });
  });
});
