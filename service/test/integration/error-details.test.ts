// Every error Parley raises carries its stable code as a `google.rpc.ErrorInfo` detail, over every
// protocol, for unary calls, for streams refused before they begin and for streams that end in an error:
// callers switch on `reason`, never on the English message.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ErrorInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protocols, startParley, type Harness } from "../support/parley-harness.js";
import { collectReply, expectCode } from "../support/rpc-probes.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley({ maxRetries: 0 });
});
afterAll(() => harness?.stop());

const missingChat = "0190f5b2-7f00-7000-8000-000000000000";
const infoOf = (error: ConnectError) => error.findDetails(ErrorInfoSchema);

describe.each(protocols)("ErrorInfo over %s", (protocol) => {
  it("a unary call's domain error: reason and domain, metadata from the error's details", async () => {
    const client = harness.client(protocol);
    const error = await expectCode(client.getChat({ userId: "u", chatId: missingChat }), Code.NotFound);
    expect(infoOf(error)).toEqual([
      expect.objectContaining({
        reason: "chat.not_found",
        domain: "parley",
        metadata: { chatId: missingChat },
      }),
    ]);
  });

  it("a stream refused before it began", async () => {
    const client = harness.client(protocol);
    const reply = await collectReply(client.sendMessage({ userId: "u", text: "  " }));
    expect(reply.error?.code).toBe(Code.InvalidArgument);
    expect(infoOf(reply.error!).map((info) => info.reason)).toEqual(["message.empty"]);
  });

  it("a stream that ends in an error after `finished`", async () => {
    const client = harness.client(protocol);
    harness.simulator.reset();
    harness.simulator.script({ fault: { kind: "status", status: 500, times: 1 } });
    const reply = await collectReply(client.sendMessage({ userId: "u", text: "hi" }));
    expect(reply.kinds).toEqual(["started", "finished"]);
    expect(reply.error?.code).toBe(Code.Unavailable);
    expect(infoOf(reply.error!).map((info) => info.reason)).toEqual(["upstream.unavailable"]);
  });

  it("errors of the protocol itself carry no detail", async () => {
    const client = harness.client(protocol, "wrong-token");
    const error = await expectCode(client.listChats({ userId: "u" }), Code.Unauthenticated);
    expect(infoOf(error)).toEqual([]);
  });
});

it("the legacy ChatStream carries the same detail", async () => {
  const legacy = createClient(LegacyChatService, harness.transport("grpc"));
  const error = await errorOf(legacy.chatStream({ userId: "u", userMessage: "", chatId: missingChat }));
  expect(error.code).toBe(Code.InvalidArgument);
  expect(infoOf(error).map((info) => info.reason)).toEqual(["message.empty"]);
});

/** Drains a stream that must fail; returns its error. */
async function errorOf(stream: AsyncIterable<unknown>): Promise<ConnectError> {
  try {
    for await (const _ of stream) continue;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the stream ended without an error");
}

it("POST /chat names the code in its JSON error", async () => {
  const response = await fetch(`${harness.baseUrl}/chat`, {
    method: "POST",
    headers: { authorization: "Bearer parley-test-token", "content-type": "application/json" },
    body: JSON.stringify({ user_id: "u", user_message: "hi", chat_id: missingChat }),
  });
  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({
    error: { code: "chat.not_found", message: `chat ${missingChat} not found` },
  });
});
