import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastPrompt, startParley, testToken, type Harness } from "../support/parley-harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startParley();
});
afterAll(() => harness?.stop());

interface ChatResponse {
  chat_id: string;
  user_id: string;
  content: string;
}

/** The original clients: @grpc/grpc-js with the original proto, token sent raw as they did. */
function legacyClient() {
  const definition = protoLoader.loadSync(
    fileURLToPath(new URL("../../../proto/pb/chat.proto", import.meta.url)),
    { keepCase: true },
  );
  const pb = grpc.loadPackageDefinition(definition)["pb"] as grpc.GrpcObject;
  const Service = pb["ChatService"] as grpc.ServiceClientConstructor;
  return new Service(`127.0.0.1:${harness.port}`, grpc.credentials.createInsecure());
}

function chatStream(
  client: grpc.Client,
  request: object,
  token: string | null = testToken,
): Promise<ChatResponse[]> {
  const metadata = new grpc.Metadata();
  if (token !== null) metadata.set("authorization", token);
  const call = (
    client as unknown as {
      chatStream: (r: object, m: grpc.Metadata) => grpc.ClientReadableStream<ChatResponse>;
    }
  ).chatStream(request, metadata);
  return new Promise((resolve, reject) => {
    const responses: ChatResponse[] = [];
    call.on("data", (response: ChatResponse) => responses.push(response));
    call.on("error", reject);
    call.on("end", () => resolve(responses));
  });
}

describe("the original gRPC contract: pb.ChatService/ChatStream with @grpc/grpc-js", () => {
  it("streams the accumulated answer, then continues the same chat", async () => {
    const client = legacyClient();
    harness.simulator.script({ deltas: ["Hi", " there", ", friend"] }, { deltas: ["Again"] });
    const first = await chatStream(client, { user_id: "legacy", user_message: "hello" });
    expect(first.map((r) => r.content)).toEqual(["Hi", "Hi there", "Hi there, friend"]);
    const chatId = first[0]!.chat_id;
    expect(first.every((r) => r.chat_id === chatId && r.user_id === "legacy")).toBe(true);

    const second = await chatStream(client, { chat_id: chatId, user_id: "legacy", user_message: "more" });
    expect(second.map((r) => r.content)).toEqual(["Again"]);
    expect(second[0]!.chat_id).toBe(chatId);
    expect(lastPrompt(harness).map((m) => m.content)).toEqual([
      "You are a test.",
      "hello",
      "Hi there, friend",
      "more",
    ]);
    client.close();
  });

  it("continues the chat's active branch, as a newer client chose it", async () => {
    const client = legacyClient();
    harness.simulator.script({ text: "First." }, { text: "Again." }, { text: "Onwards." });
    const first = await chatStream(client, { user_id: "legacy-branch", user_message: "hello" });
    const chatId = first[0]!.chat_id;
    const api = harness.client("grpc");
    let answered = "";
    for await (const { event } of api.regenerateReply({ userId: "legacy-branch", chatId })) {
      if (event?.kind.case === "started") answered = event.kind.value.userMessageId;
    }
    const shown = await api.getChat({ userId: "legacy-branch", chatId });
    const old = shown.messages[1]!.previousSiblingId;
    await api.setActiveBranch({ userId: "legacy-branch", chatId, messageId: old });

    await chatStream(client, { chat_id: chatId, user_id: "legacy-branch", user_message: "more" });
    expect(answered).toBe(shown.messages[0]!.id);
    expect(lastPrompt(harness).map((m) => m.content)).toEqual(["You are a test.", "hello", "First.", "more"]);
    client.close();
  });

  it("refuses a missing token and maps errors to gRPC status codes", async () => {
    const client = legacyClient();
    await expect(chatStream(client, { user_id: "legacy", user_message: "hi" }, null)).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    await expect(chatStream(client, { user_id: "legacy", user_message: "  " })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(
      chatStream(client, {
        chat_id: "0190f5b2-7f00-7000-8000-000000000000",
        user_id: "legacy",
        user_message: "hi",
      }),
    ).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    client.close();
  });
});

describe("the original JSON endpoint: POST /chat", () => {
  const post = (body: unknown, token: string | null = testToken) =>
    fetch(`${harness.baseUrl}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token !== null && { authorization: token }) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("answers with the whole reply, and continues the chat", async () => {
    harness.simulator.script({ deltas: ["Blocking", " answer"] }, { text: "Second." });
    const response = await post({ user_id: "json", user_message: "hello" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ChatResponse;
    expect(body).toMatchObject({ user_id: "json", content: "Blocking answer" });
    const next = await post({ chat_id: body.chat_id, user_id: "json", user_message: "again" });
    expect(await next.json()).toEqual({ chat_id: body.chat_id, user_id: "json", content: "Second." });
  });

  it("continues the chat's active branch", async () => {
    harness.simulator.script({ text: "One." }, { text: "Two." }, { text: "Three." });
    const body = (await (
      await post({ user_id: "json-branch", user_message: "hello" })
    ).json()) as ChatResponse;
    const api = harness.client("grpc");
    for await (const _ of api.regenerateReply({ userId: "json-branch", chatId: body.chat_id }));
    expect(lastPrompt(harness).map((m) => m.content)).toEqual(["You are a test.", "hello"]);
    await post({ chat_id: body.chat_id, user_id: "json-branch", user_message: "next" });
    expect(lastPrompt(harness).map((m) => m.content)).toEqual(["You are a test.", "hello", "Two.", "next"]);
  });

  it.each([
    ["no token", { user_id: "json", user_message: "hi" }, null, 401],
    ["malformed JSON", "{not json", testToken, 400],
    ["missing user_message", { user_id: "json" }, testToken, 400],
    ["empty message", { user_id: "json", user_message: " " }, testToken, 400],
    [
      "unknown chat",
      { chat_id: "0190f5b2-7f00-7000-8000-000000000000", user_id: "json", user_message: "hi" },
      testToken,
      404,
    ],
    ["a body over the size limit", { user_id: "json", user_message: "x".repeat(70_000) }, testToken, 413],
  ])("%s → %s with a JSON error", async (_name, body, token, status) => {
    const response = await post(body, token);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  });

  it("an upstream failure is 503, not a truncated 200", async () => {
    harness.simulator.script({ text: "never", fault: { kind: "status", status: 503, times: 5 } });
    const response = await post({ user_id: "json", user_message: "fail" });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "upstream.unavailable" } });
  });
});
