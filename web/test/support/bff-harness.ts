/**
 * The BFF in-process against a real service: a test service process, a real better-auth on a throwaway
 * database, the tRPC router (`callerFor`) and its HTTP face (`handle`: the route handler in-process, or
 * the Node server's handler on a real socket). Users sign up for real.
 */
import { randomBytes } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { createAuth, type AuthInstance } from "~/server/auth/create-auth";
import type { Logger } from "~/server/logger";
import { createApiKeyServiceClient } from "~/server/service/api-key-service-client";
import { createChatServiceClient, type ChatServiceClient } from "~/server/service/chat-service-client";
import { createModelServiceClient } from "~/server/service/model-service-client";
import { createUsageServiceClient } from "~/server/service/usage-service-client";
import { createSearchServiceClient } from "~/server/service/search-service-client";
import { createTrpcContext } from "~/server/trpc/init";
import { createCaller } from "~/server/trpc/root";
import { startTestService, type TestService } from "./service-process";
import { serveTrpc, type TrpcFace } from "./trpc-faces";
import { dropDatabase, uniqueDatabase } from "./test-databases";

export const appOrigin = "http://localhost:3000";

export interface LogEntry {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export interface TestUser {
  id: string;
  email: string;
  /** Request headers that carry the user's session cookie. */
  headers: Headers;
  /** The user_id the service knows this user by. */
  serviceUserId: string;
}

export interface BffHarness {
  service: TestService;
  auth: AuthInstance["auth"];
  chat: ChatServiceClient;
  logs: LogEntry[];
  /** Reply streams from the BFF to the service that are open right now. */
  openStreams(): number;
  /** Calls the BFF has made to the service so far (unary and streaming). */
  serviceCalls(): number;
  signUp(name?: string): Promise<TestUser>;
  callerFor(headers: Headers, signal?: AbortSignal): Promise<ReturnType<typeof createCaller>>;
  handle(request: Request): Promise<Response>;
  stop(): Promise<void>;
}

function recordingLogger(logs: LogEntry[]): Logger {
  const record =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void logs.push({ level, message, fields });
  return { info: record("info"), warn: record("warn"), error: record("error") };
}

export function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

export async function startBffHarness(options: {
  paceMs: number;
  /** Which HTTP face `handle` reaches (default: the route handler). */
  face?: TrpcFace;
}): Promise<BffHarness> {
  const service = await startTestService(options);
  const database = uniqueDatabase("web");
  const instance = await createAuth({
    databaseUrl: database.url,
    secret: "test-secret-test-secret-test-secret-0123",
    baseUrl: appOrigin,
    trustedOrigins: [appOrigin],
    oidc: null,
    signIn: { maxAttempts: 7, windowSeconds: 300 },
    storeMaxBytes: 1024 * 1024,
  });
  let open = 0;
  let calls = 0;
  const countStreams: Interceptor = (next) => async (request) => {
    calls++;
    const response = await next(request);
    if (!response.stream) return response;
    open++;
    const message = response.message;
    return {
      ...response,
      message: (async function* () {
        try {
          yield* message;
        } finally {
          open--;
        }
      })(),
    };
  };
  const chat = createChatServiceClient({
    baseUrl: service.url,
    token: service.token,
    interceptors: [countStreams],
  });
  const logs: LogEntry[] = [];
  const keys = createApiKeyServiceClient({ baseUrl: service.url, token: service.token });
  const usage = createUsageServiceClient({ baseUrl: service.url, token: service.token });
  const models = createModelServiceClient({ baseUrl: service.url, token: service.token });
  const search = createSearchServiceClient({ baseUrl: service.url, token: service.token });
  const deps = {
    auth: instance.auth,
    chat,
    keys,
    usage,
    models,
    search,
    log: recordingLogger(logs),
    allowedOrigins: [appOrigin],
  };

  const served = await serveTrpc(options.face ?? "route handler", deps);
  return {
    service,
    auth: instance.auth,
    chat,
    logs,
    openStreams: () => open,
    serviceCalls: () => calls,
    async signUp(name = "Test User") {
      const email = `user-${randomBytes(5).toString("hex")}@example.com`;
      const response = await instance.auth.api.signUpEmail({
        body: { email, password: "correct horse battery", name },
        asResponse: true,
      });
      if (!response.ok) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
      const body = (await response.json()) as { user: { id: string } };
      return {
        id: body.user.id,
        email,
        headers: new Headers({ cookie: cookieHeader(response) }),
        serviceUserId: `web:${body.user.id}`,
      };
    },
    async callerFor(headers, signal) {
      return createCaller(await createTrpcContext(deps, headers), signal ? { signal } : {});
    },
    handle: served.handle,
    async stop() {
      await served.close();
      await instance.close();
      await dropDatabase(database.name);
      await service.stop();
    },
  };
}
