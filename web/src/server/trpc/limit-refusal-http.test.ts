/**
 * A limit refusal as the browser receives it: the service refuses SendMessage (RESOURCE_EXHAUSTED with
 * ErrorInfo and RetryInfo), and the `chat.send` SSE stream ends with an error whose data carries the
 * reason, the reset time and the limit — what the chat's limit banner is built from.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { describe, expect, it } from "vitest";
import type { Auth } from "../auth/create-auth";
import {
  createFakeApiKeyService,
  createFakeChatService,
  createFakeUsageService,
  createFakeSearchService,
} from "../../../test/support/fake-chat-service";
import { createTrpcHandler } from "./http-handler";
import type { Session } from "./init";

const origin = "http://app.test";
const session = { user: { id: "alice", email: "alice@example.com", name: "Alice" }, session: {} } as Session;
const auth = {
  api: {
    // As better-auth answers: with `returnHeaders`, the session and the cookies it would set.
    getSession: async (options?: { returnHeaders?: boolean }) =>
      options?.returnHeaders ? { headers: new Headers(), response: session } : session,
  },
} as unknown as Auth;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function refusingService(reason: string, code: Code) {
  return createFakeChatService({
    // eslint-disable-next-line require-yield -- refused before the first event, as the service does
    async *sendMessage() {
      throw new ConnectError("daily limit of 100000 tokens reached; resets at 00:00 UTC", code, undefined, [
        {
          desc: ErrorInfoSchema,
          value: create(ErrorInfoSchema, { reason, domain: "parley", metadata: { limit: "100000" } }),
        },
        {
          desc: RetryInfoSchema,
          value: create(RetryInfoSchema, { retryDelay: { seconds: 600n, nanos: 0 } }),
        },
      ]);
    },
  });
}

/** The `chat.send` stream's events, read to its end. */
async function sendEvents(handle: (request: Request) => Promise<Response>): Promise<string> {
  const input = encodeURIComponent(JSON.stringify({ chatId: "c1", text: "Hello" }));
  const response = await handle(new Request(`${origin}/api/trpc/chat.send?input=${input}`));
  return response.text();
}

describe("a limit refusal over chat.send's SSE stream", () => {
  it("ends the stream with TOO_MANY_REQUESTS, the reason, the reset time (now + RetryInfo) and the limit", async () => {
    const service = refusingService("limit.daily_tokens", Code.ResourceExhausted);
    const handle = createTrpcHandler({
      auth,
      chat: service.chat,
      keys: createFakeApiKeyService({}).keys,
      usage: createFakeUsageService({}).usage,
      search: createFakeSearchService({}).search,
      log: quiet,
      allowedOrigins: [origin],
    });
    const before = Date.now();
    const body = await sendEvents(handle);
    const line = body
      .split("\n\n")
      .map((event) => event.trim())
      .find((event) => event.startsWith("event: serialized-error"));
    expect(line).toBeDefined();
    const error = JSON.parse(line!.split("\ndata: ")[1]!) as {
      message: string;
      data: { code: string; reason: string; resetAt: string; limit: number };
    };
    expect(error.message).toBe("Daily limit of 100000 tokens reached; resets at 00:00 UTC");
    expect(error.data).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      reason: "limit.daily_tokens",
      limit: 100_000,
    });
    const resetAt = Date.parse(error.data.resetAt);
    expect(resetAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(resetAt).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(service.calls.map((call) => call.method)).toEqual(["sendMessage"]);
  });
});
