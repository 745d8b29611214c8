/**
 * The web app's database pool under a burst: slow statements hold every connection, requests past the
 * queue or the wait time-out get a quick 503 (tRPC and the auth API), the burst is logged once, and the
 * session look-ups after it are served.
 */
import { create } from "@bufbuild/protobuf";
import { ListChatsResponseSchema } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthHandler, type AuthHandler } from "~/server/auth/auth-handler";
import { createClientAddressResolver } from "~/server/auth/client-address";
import { createAuth, type AuthInstance } from "~/server/auth/create-auth";
import { createTrpcHandler } from "~/server/trpc/http-handler";
import { cookieHeader } from "../support/bff-harness";
import {
  createFakeApiKeyService,
  createFakeChatService,
  createFakeUsageService,
  createFakeSearchService,
} from "../support/fake-chat-service";
import { dropDatabase, uniqueDatabase } from "../support/test-databases";

const database = uniqueDatabase("web");
const origin = "http://localhost:3000";
const logs: { level: string; message: string; fields: unknown }[] = [];
const recording = (level: string) => (message: string, fields: unknown) =>
  void logs.push({ level, message, fields });
const log = { info: recording("info"), warn: recording("warn"), error: recording("error") };
let instance: AuthInstance;
let authHandler: AuthHandler;
let trpc: (request: Request) => Promise<Response>;
let cookie: string;

beforeAll(async () => {
  instance = await createAuth({
    databaseUrl: database.url,
    secret: "test-secret-test-secret-test-secret-0123",
    baseUrl: origin,
    trustedOrigins: [origin],
    oidc: null,
    signIn: { maxAttempts: 7, windowSeconds: 300 },
    storeMaxBytes: 1024 * 1024,
    pool: { connectionLimit: 2, queueLimit: 3, acquireTimeoutMs: 300 },
    log,
  });
  authHandler = createAuthHandler(instance.auth, {
    allowedOrigins: [origin],
    signIn: { maxAttempts: 7, windowSeconds: 300 },
    clientAddress: createClientAddressResolver([]),
    storeMaxBytes: 1024 * 1024,
  });
  const service = createFakeChatService({ listChats: () => create(ListChatsResponseSchema, {}) });
  trpc = createTrpcHandler({
    auth: instance.auth,
    chat: service.chat,
    keys: createFakeApiKeyService({}).keys,
    usage: createFakeUsageService({}).usage,
    search: createFakeSearchService({}).search,
    log,
    allowedOrigins: [origin],
  });
  const signedUp = await authHandler(
    new Request(`${origin}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin, "x-parley-remote-address": "198.51.100.1" },
      body: JSON.stringify({ email: "busy@example.com", password: "correct horse battery", name: "Busy" }),
    }),
  );
  expect(signedUp.status).toBe(200);
  // Without the session cookie cache, so every call reads the session from the database (the pool).
  cookie = cookieHeader(signedUp)
    .split("; ")
    .filter((pair) => !pair.startsWith("better-auth.session_data"))
    .join("; ");
});

afterAll(async () => {
  await instance?.close();
  await dropDatabase(database.name);
});

const listChats = () =>
  trpc(new Request(`${origin}/api/trpc/chat.list?input=%7B%7D`, { headers: { cookie } }));
const getSession = () =>
  authHandler(
    new Request(`${origin}/api/auth/get-session`, {
      headers: { cookie, "x-parley-remote-address": "198.51.100.2" },
    }),
  );

describe("a burst beyond the web database pool", () => {
  it("gets a quick 503 and one log line, and the session look-ups after it are served", async () => {
    expect((await listChats()).status).toBe(200);
    const slow = [1, 2].map(() => instance.pool.query("SELECT SLEEP(1.5)"));
    let slowEnded = false;
    void Promise.all(slow).then(() => (slowEnded = true));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const burst = await Promise.all([
      ...Array.from({ length: 15 }, () => listChats()),
      ...Array.from({ length: 5 }, () => getSession()),
    ]);
    // 3 wait in the queue until the 300 ms time-out, the other 17 are refused at once.
    expect(slowEnded).toBe(false); // refused while the slow statements still hold the pool
    expect(burst.map((response) => response.status)).toEqual(Array(20).fill(503));
    expect(await burst[0]!.json()).toMatchObject({
      error: { data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 } },
    });
    expect(await burst[19]!.json()).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(burst[19]!.headers.get("retry-after")).toBe("2");
    // One line per reason for the whole burst; nothing from better-auth or tRPC per refused request.
    expect(logs).toEqual([
      {
        level: "warn",
        message: "web database pool busy: requests refused with 503",
        fields: { kind: "queue-full" },
      },
      {
        level: "warn",
        message: "web database pool busy: requests refused with 503",
        fields: { kind: "wait-timeout" },
      },
    ]);

    await Promise.all(slow);
    const after = await getSession();
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ user: { email: "busy@example.com" } });
    expect((await listChats()).status).toBe(200);
  });

  it("serves a request that waits less than the time-out", async () => {
    const slow = [1, 2].map(() => instance.pool.query("SELECT SLEEP(0.2)"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await getSession()).status).toBe(200);
    await Promise.all(slow);
  });
});
