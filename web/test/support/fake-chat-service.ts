/**
 * The chat service faked in-process for light BFF tests: Connect's router transport serves a partial
 * ChatService implementation (what a test does not give answers `unimplemented`), and every request is
 * recorded. Real-process tests (bff-harness) prove the wiring; these pin what the router asks for.
 */
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import type { Auth } from "~/server/auth/create-auth";
import type { Logger } from "~/server/logger";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import type { ChatServiceClient } from "~/server/service/chat-service-client";
import type { UsageServiceClient } from "~/server/service/usage-service-client";
import { createTrpcContext, type Session } from "~/server/trpc/init";
import { createCaller } from "~/server/trpc/root";

export interface FakeChatService {
  chat: ChatServiceClient;
  /** Each call the service received: its method name and request. */
  calls: { method: string; request: unknown }[];
}

export function createFakeChatService(impl: Partial<ServiceImpl<typeof ChatService>>): FakeChatService {
  const calls: FakeChatService["calls"] = [];
  const recorded = Object.fromEntries(
    Object.entries(impl).map(([method, handler]) => [
      method,
      (request: unknown, context: unknown) => {
        calls.push({ method, request });
        return (handler as (request: unknown, context: unknown) => unknown)(request, context);
      },
    ]),
  ) as Partial<ServiceImpl<typeof ChatService>>;
  const transport = createRouterTransport(({ service }) => service(ChatService, recorded));
  return { chat: createClient(ChatService, transport), calls };
}

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A session as better-auth returns it, for the user `authUserId` (null: signed out). */
function fakeAuth(authUserId: string | null): Auth {
  const session = authUserId
    ? ({ user: { id: authUserId, email: `${authUserId}@example.com`, name: "Test" }, session: {} } as Session)
    : null;
  return { api: { getSession: async () => session } } as unknown as Auth;
}

/** A UsageService faked the same way, recording each request. */
export function createFakeUsageService(impl: Partial<ServiceImpl<typeof UsageService>>) {
  const calls: { method: string; request: unknown }[] = [];
  const recorded = Object.fromEntries(
    Object.entries(impl).map(([method, handler]) => [
      method,
      (request: unknown, context: unknown) => {
        calls.push({ method, request });
        return (handler as (request: unknown, context: unknown) => unknown)(request, context);
      },
    ]),
  ) as Partial<ServiceImpl<typeof UsageService>>;
  const transport = createRouterTransport(({ service }) => service(UsageService, recorded));
  return { usage: createClient(UsageService, transport), calls };
}

/** The routers called in-process as `authUserId` (null: signed out), against `chat` (and `usage`). */
export async function fakeServiceCaller(
  chat: ChatServiceClient,
  authUserId: string | null,
  signal?: AbortSignal,
  usage: UsageServiceClient = createFakeUsageService({}).usage,
) {
  const context = await createTrpcContext(
    { auth: fakeAuth(authUserId), chat, usage, log: silent },
    new Headers(),
  );
  return createCaller(context, signal ? { signal } : {});
}
