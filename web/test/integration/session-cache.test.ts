/**
 * The signed session cookie cache on the tRPC path: a call with a fresh cache reads neither the auth
 * database nor Redis, sign-out ends the session at once (the browser's cookies and a replayed copy), and
 * an expired cache is read again from the session store and renewed in the response. With and without
 * Redis as better-auth's secondary storage.
 */
import { create } from "@bufbuild/protobuf";
import { ListChatsResponseSchema } from "@parley/gen/parley/chat/v1/chat_pb";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuthHandler, type AuthHandler } from "~/server/auth/auth-handler";
import { createClientAddressResolver } from "~/server/auth/client-address";
import { createAuth, type AuthInstance } from "~/server/auth/create-auth";
import { connectRedis, type SharedRedis } from "~/server/redis/shared-redis";
import { createTrpcHandler } from "~/server/trpc/http-handler";
import { cookieHeader } from "../support/bff-harness";
import {
  createFakeApiKeyService,
  createFakeChatService,
  createFakeSearchService,
  createFakeUsageService,
} from "../support/fake-chat-service";
import { testRedisPrefix, testRedisUrl, type TestRedisPrefix } from "../support/redis-prefix";
import { dropDatabase, uniqueDatabase } from "../support/test-databases";

const origin = "http://localhost:3000";
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const cacheSeconds = 60;

interface Stack {
  instance: AuthInstance;
  auth: AuthHandler;
  trpc: (request: Request) => Promise<Response>;
  /** Connections taken from the auth database pool so far. */
  databaseReads: () => number;
  /** Redis commands so far (0 without Redis). */
  redisCommands: () => number;
  close(): Promise<void>;
}

async function startStack(withRedis: boolean): Promise<Stack> {
  const database = uniqueDatabase("web");
  let redis: SharedRedis | null = null;
  let prefix: TestRedisPrefix | null = null;
  let commands = 0;
  if (withRedis) {
    prefix = testRedisPrefix();
    const shared = await connectRedis({ url: testRedisUrl, keyPrefix: prefix.prefix, log: quiet });
    redis = {
      keyPrefix: shared.keyPrefix,
      run: (command, fallback) => {
        commands++;
        return shared.run(command, fallback);
      },
      close: () => shared.close(),
    };
  }
  const instance = await createAuth({
    databaseUrl: database.url,
    secret: "test-secret-test-secret-test-secret-0123",
    baseUrl: origin,
    trustedOrigins: [origin],
    oidc: null,
    signIn: { maxAttempts: 7, windowSeconds: 300 },
    storeMaxBytes: 1024 * 1024,
    log: quiet,
    redis,
    sessionCacheSeconds: cacheSeconds,
  });
  let acquired = 0;
  instance.pool.on("acquire", () => void acquired++);
  const service = createFakeChatService({ listChats: () => create(ListChatsResponseSchema, {}) });
  return {
    instance,
    auth: createAuthHandler(instance.auth, {
      allowedOrigins: [origin],
      signIn: { maxAttempts: 7, windowSeconds: 300 },
      clientAddress: createClientAddressResolver([]),
      storeMaxBytes: 1024 * 1024,
    }),
    trpc: createTrpcHandler({
      auth: instance.auth,
      chat: service.chat,
      keys: createFakeApiKeyService({}).keys,
      usage: createFakeUsageService({}).usage,
      search: createFakeSearchService({}).search,
      log: quiet,
      allowedOrigins: [origin],
    }),
    databaseReads: () => acquired,
    redisCommands: () => commands,
    async close() {
      await instance.close();
      await redis?.close();
      await prefix?.cleanUp();
      await dropDatabase(database.name);
    },
  };
}

const authPost = (stack: Stack, path: string, body: unknown, cookie = "") =>
  stack.auth(
    new Request(`${origin}/api/auth${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin,
        "x-parley-remote-address": "198.51.100.7",
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify(body),
    }),
  );

const listChats = (stack: Stack, cookie: string) =>
  stack.trpc(new Request(`${origin}/api/trpc/chat.list?input=%7B%7D`, { headers: { cookie } }));

async function signUp(stack: Stack, email: string): Promise<string> {
  const response = await authPost(stack, "/sign-up/email", {
    email,
    password: "correct horse battery",
    name: "A",
  });
  expect(response.status).toBe(200);
  const cookie = cookieHeader(response);
  expect(cookie).toMatch(/better-auth\.session_data=/);
  return cookie;
}

/** The cookie header a browser sends after `response`: its cookies replaced by the ones set. */
function applySetCookies(cookie: string, response: Response): string {
  const jar = new Map(cookie.split("; ").map((pair) => [pair.split("=")[0]!, pair] as const));
  for (const set of response.headers.getSetCookie()) {
    const pair = set.split(";")[0]!;
    const name = pair.split("=")[0]!;
    if (/max-age=0/i.test(set) || pair === `${name}=`) jar.delete(name);
    else jar.set(name, pair);
  }
  return [...jar.values()].join("; ");
}

describe.each([
  ["the auth database", false],
  ["Redis as secondary storage", true],
])("the session cookie cache, sessions in %s", (_label, withRedis) => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(withRedis);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("a call with a fresh cache reads neither the database nor Redis", async () => {
    const cookie = await signUp(stack, `cached-${withRedis}@example.com`);
    const reads = stack.databaseReads();
    const commands = stack.redisCommands();
    for (let i = 0; i < 3; i++) expect((await listChats(stack, cookie)).status).toBe(200);
    expect(stack.databaseReads() - reads).toBe(0);
    expect(stack.redisCommands() - commands).toBe(0);
    // Without the cache cookie the same call reads the session store.
    const tokenOnly = cookie
      .split("; ")
      .filter((pair) => !pair.includes("session_data"))
      .join("; ");
    expect((await listChats(stack, tokenOnly)).status).toBe(200);
    expect(stack.databaseReads() - reads + (stack.redisCommands() - commands)).toBeGreaterThan(0);
  });

  it("sign-out clears the cache in the browser, and a replayed copy is refused: UNAUTHORIZED", async () => {
    const cookie = await signUp(stack, `leaving-${withRedis}@example.com`);
    expect((await listChats(stack, cookie)).status).toBe(200);
    const signedOut = await authPost(stack, "/sign-out", {}, cookie);
    expect(signedOut.status).toBe(200);
    const browser = applySetCookies(cookie, signedOut);
    expect(browser).not.toMatch(/session_data|session_token/);
    for (const sent of [browser, cookie]) {
      const response = await listChats(stack, sent);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { data: { code: "UNAUTHORIZED" } } });
    }
  });

  it("an expired cache is read again from the session store and renewed in the response", async () => {
    const cookie = await signUp(stack, `expired-${withRedis}@example.com`);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + (cacheSeconds + 1) * 1000 });
    const reads = stack.databaseReads();
    const commands = stack.redisCommands();
    const response = await listChats(stack, cookie);
    expect(response.status).toBe(200);
    expect(stack.databaseReads() - reads + (stack.redisCommands() - commands)).toBeGreaterThan(0);
    const renewed = applySetCookies(cookie, response);
    expect(renewed).toMatch(/session_data=/);
    expect(renewed).not.toBe(cookie);
    // The renewed cache serves the next call without a read.
    const afterRenewal = stack.databaseReads() + stack.redisCommands();
    expect((await listChats(stack, renewed)).status).toBe(200);
    expect(stack.databaseReads() + stack.redisCommands()).toBe(afterRenewal);
  });
});
