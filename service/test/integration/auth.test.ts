// The bearer token over real sockets: every way of getting it wrong is UNAUTHENTICATED on every
// protocol, on ChatService and the legacy pb.ChatService, before anything is written; the raw token is
// accepted as the original clients send it; health needs no token; `POST /chat` answers 401.
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { HealthCheckResponse_ServingStatus, Health } from "@parley/gen/grpc/health/v1/health_pb";
import { ChatService, ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { ChatService as LegacyChatService } from "@parley/gen/pb/chat_pb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { protocols, startParley, testToken, type Harness, type Protocol } from "../support/parley-harness.js";
import { collectReply, expectCode, rowCounts } from "../support/rpc-probes.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley();
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

/** A transport that sends `authorization` exactly as given (null: no header at all). */
function transportWith(protocol: Protocol, authorization: string | null): Transport {
  const setHeader: Interceptor = (next) => (request) => {
    if (authorization !== null) request.header.set("authorization", authorization);
    return next(request);
  };
  const baseUrl = harness.baseUrl;
  const interceptors = [setHeader];
  if (protocol === "grpc") return createGrpcTransport({ baseUrl, interceptors });
  if (protocol === "grpc-web") return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  return createConnectTransport({
    baseUrl,
    httpVersion: protocol === "connect-h2" ? "2" : "1.1",
    interceptors,
  });
}

const badAuthorizations: [string, string | null][] = [
  ["no header", null],
  ["an empty header", ""],
  ["a wrong token", "Bearer not-the-token"],
  ["the token in another case", `Bearer ${testToken.toUpperCase()}`],
  ["a prefix of the token", `Bearer ${testToken.slice(0, -1)}`],
  ["the token with more after it", `Bearer ${testToken}x`],
  ["two spaces after Bearer", `Bearer  ${testToken}`],
  ["a tab after Bearer", `Bearer\t${testToken}`],
  ["whitespace inside the token", `Bearer ${testToken.slice(0, 6)} ${testToken.slice(6)}`],
  ["Bearer alone", "Bearer "],
  ["another scheme", `Basic ${Buffer.from(`user:${testToken}`).toString("base64")}`],
];

describe.each(protocols)("ChatService over %s", (protocol) => {
  it.each(badAuthorizations)("%s is UNAUTHENTICATED and writes nothing", async (_, authorization) => {
    const client = createClient(ChatService, transportWith(protocol, authorization));
    const before = await rowCounts(harness);
    const error = await expectCode(
      client.sendMessage({ userId: "intruder", text: "hi" }),
      Code.Unauthenticated,
    );
    expect(error.rawMessage).not.toContain(testToken);
    await expectCode(client.listChats({ userId: "intruder" }), Code.Unauthenticated);
    expect(await rowCounts(harness)).toEqual(before);
    expect(harness.simulator.requests).toHaveLength(0);
  });

  it("accepts `Bearer <token>` (the scheme in any case, RFC 9110) and the raw token", async () => {
    for (const authorization of [
      `Bearer ${testToken}`,
      `bearer ${testToken}`,
      `BEARER ${testToken}`,
      testToken,
    ]) {
      const client = createClient(ChatService, transportWith(protocol, authorization));
      const reply = await collectReply(client.sendMessage({ userId: `auth-ok-${protocol}`, text: "hi" }));
      expect(reply.error).toBeUndefined();
      expect(reply.finished?.status).toBe(ReplyStatus.COMPLETE);
    }
    expect((await rowCounts(harness, `auth-ok-${protocol}`)).chats).toBe(4);
  });

  it("legacy pb.ChatService/ChatStream is UNAUTHENTICATED without the token and works with it", async () => {
    for (const authorization of [null, "", "Bearer wrong", `Bearer  ${testToken}`]) {
      const legacy = createClient(LegacyChatService, transportWith(protocol, authorization));
      const stream = legacy.chatStream({ userId: "legacy-intruder", userMessage: "hi" });
      await expectCode(stream, Code.Unauthenticated);
    }
    expect(await rowCounts(harness, "legacy-intruder")).toEqual({ chats: 0, messages: 0 });

    for (const authorization of [`Bearer ${testToken}`, testToken]) {
      const legacy = createClient(LegacyChatService, transportWith(protocol, authorization));
      const contents: string[] = [];
      for await (const response of legacy.chatStream({ userId: "legacy-user", userMessage: "hi" })) {
        contents.push(response.content);
      }
      expect(contents.length).toBeGreaterThan(0);
    }
  });

  it("health Check needs no token", async () => {
    const health = createClient(Health, transportWith(protocol, null));
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: ChatService.typeName })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVING,
    );
    // A wrong token is not a reason to fail a probe either.
    const withWrongToken = createClient(Health, transportWith(protocol, "Bearer wrong"));
    expect((await withWrongToken.check({ service: "" })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVING,
    );
  });
});

describe("POST /chat", () => {
  const post = (authorization: string | null, body: unknown = { user_id: "http-user", user_message: "hi" }) =>
    fetch(`${harness.baseUrl}/chat`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(authorization === null ? {} : { authorization }),
      },
      body: JSON.stringify(body),
    });

  it.each(badAuthorizations)("%s is 401 and writes nothing", async (_, authorization) => {
    const before = await rowCounts(harness);
    const response = await post(authorization);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthenticated" } });
    expect(await rowCounts(harness)).toEqual(before);
    expect(harness.simulator.requests).toHaveLength(0);
  });

  it("answers with the token, Bearer or raw", async () => {
    for (const authorization of [`Bearer ${testToken}`, `bearer ${testToken}`, testToken]) {
      const response = await post(authorization, { user_id: "http-ok", user_message: "hi" });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ user_id: "http-ok", content: expect.any(String) });
    }
  });
});
