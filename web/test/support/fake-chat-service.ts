/**
 * The chat service faked in-process for light BFF tests: Connect's router transport serves a partial
 * ChatService implementation (what a test does not give answers `unimplemented`), and every request is
 * recorded. Real-process tests (bff-harness) prove the wiring; these pin what the router asks for.
 */
import type { DescService } from "@bufbuild/protobuf";
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import type { Auth } from "~/server/auth/create-auth";
import type { Logger } from "~/server/logger";
import { ApiKeyService } from "@parley/gen/parley/keys/v1/keys_pb";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import { SearchService } from "@parley/gen/parley/search/v1/search_pb";
import { PresetService } from "@parley/gen/parley/presets/v1/presets_pb";
import type { PresetServiceClient } from "~/server/service/preset-service-client";
import type { ApiKeyServiceClient } from "~/server/service/api-key-service-client";
import type { ChatServiceClient } from "~/server/service/chat-service-client";
import type { UsageServiceClient } from "~/server/service/usage-service-client";
import type { SearchServiceClient } from "~/server/service/search-service-client";
import { createTrpcContext, type Session } from "~/server/trpc/init";
import { createCaller } from "~/server/trpc/root";

export interface FakeChatService {
  chat: ChatServiceClient;
  /** Each call the service received: its method name and request. */
  calls: { method: string; request: unknown }[];
}

export function createFakeChatService(impl: Partial<ServiceImpl<typeof ChatService>>): FakeChatService {
  const { client, calls } = recordingFake(ChatService, impl);
  return { chat: client, calls };
}

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A session as better-auth returns it, for the user `authUserId` (null: signed out). */
function fakeAuth(authUserId: string | null): Auth {
  const session = authUserId
    ? ({ user: { id: authUserId, email: `${authUserId}@example.com`, name: "Test" }, session: {} } as Session)
    : null;
  return {
    api: {
      // As better-auth answers: with `returnHeaders`, the session and the cookies it would set.
      getSession: async (options?: { returnHeaders?: boolean }) =>
        options?.returnHeaders ? { headers: new Headers(), response: session } : session,
    },
  } as unknown as Auth;
}

/** A service faked in-process, recording each request (the chat service's fake does the same). */
function recordingFake<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>) {
  const calls: { method: string; request: unknown }[] = [];
  const recorded = Object.fromEntries(
    Object.entries(impl).map(([method, handler]) => [
      method,
      (request: unknown, context: unknown) => {
        calls.push({ method, request });
        return (handler as (request: unknown, context: unknown) => unknown)(request, context);
      },
    ]),
  ) as Partial<ServiceImpl<S>>;
  const transport = createRouterTransport(({ service: serve }) => serve(service, recorded));
  return { client: createClient(service, transport), calls };
}

/** An ApiKeyService faked the same way. */
export function createFakeApiKeyService(impl: Partial<ServiceImpl<typeof ApiKeyService>>) {
  const { client, calls } = recordingFake(ApiKeyService, impl);
  return { keys: client, calls };
}

/** A UsageService faked the same way. */
export function createFakeUsageService(impl: Partial<ServiceImpl<typeof UsageService>>) {
  const { client, calls } = recordingFake(UsageService, impl);
  return { usage: client, calls };
}

/** A SearchService faked the same way. */
export function createFakeSearchService(impl: Partial<ServiceImpl<typeof SearchService>>) {
  const { client, calls } = recordingFake(SearchService, impl);
  return { search: client, calls };
}

/** A PresetService faked the same way. */
export function createFakePresetService(impl: Partial<ServiceImpl<typeof PresetService>>) {
  const { client, calls } = recordingFake(PresetService, impl);
  return { presets: client, calls };
}

/** The services besides chat a caller may use; fakes that answer nothing by default. */
export interface OtherServices {
  keys?: ApiKeyServiceClient;
  usage?: UsageServiceClient;
  search?: SearchServiceClient;
  presets?: PresetServiceClient;
}

/** The routers called in-process as `authUserId` (null: signed out), against `chat` (and the others). */
export async function fakeServiceCaller(
  chat: ChatServiceClient,
  authUserId: string | null,
  signal?: AbortSignal,
  others: OtherServices = {},
) {
  const keys = others.keys ?? createFakeApiKeyService({}).keys;
  const usage = others.usage ?? createFakeUsageService({}).usage;
  const search = others.search ?? createFakeSearchService({}).search;
  const context = await createTrpcContext(
    { auth: fakeAuth(authUserId), chat, keys, usage, search, presets: others.presets, log: silent },
    new Headers(),
  );
  return createCaller(context, signal ? { signal } : {});
}
