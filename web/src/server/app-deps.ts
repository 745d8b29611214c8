/**
 * The composition root of the web server: settings, the auth instance (database created and migrated),
 * Redis when REDIS_URL is set, the chat service client and the logger, built once per process on first use. Kept on `globalThis` so
 * `next dev`'s module reloads do not open a new pool each time.
 */
import "server-only";
import { env } from "~/env";
import { createAuthHandler, type AuthHandler } from "./auth/auth-handler";
import { createClientAddressResolver } from "./auth/client-address";
import { createAuth, type AuthInstance } from "./auth/create-auth";
import { consoleLogger, type Logger } from "./logger";
import { sharedRedis } from "./redis/shared-redis";
import { createApiKeyServiceClient, type ApiKeyServiceClient } from "./service/api-key-service-client";
import { createChatServiceClient, type ChatServiceClient } from "./service/chat-service-client";
import { createModelServiceClient, type ModelServiceClient } from "./service/model-service-client";
import { createUsageServiceClient, type UsageServiceClient } from "./service/usage-service-client";
import { createTransferServiceClient, type TransferServiceClient } from "./service/transfer-service-client";
import { createSearchServiceClient, type SearchServiceClient } from "./service/search-service-client";
import { createPresetServiceClient, type PresetServiceClient } from "./service/preset-service-client";

export interface AppDeps {
  auth: AuthInstance["auth"];
  /** better-auth's HTTP endpoints behind our checks: the /api/auth route and the sign-in forms use it. */
  authHandler: AuthHandler;
  chat: ChatServiceClient;
  keys: ApiKeyServiceClient;
  usage: UsageServiceClient;
  models: ModelServiceClient;
  /** Export and import (the /api/export and /api/import route handlers). */
  transfer: TransferServiceClient;
  search: SearchServiceClient;
  presets: PresetServiceClient;
  log: Logger;
  allowedOrigins: readonly string[];
  signIn: { maxAttempts: number; windowSeconds: number };
}

async function buildAppDeps(): Promise<AppDeps> {
  const settings = env();
  const log = consoleLogger;
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(new URL(settings.baseUrl).hostname);
  if (settings.production && !local && !settings.baseUrl.startsWith("https://")) {
    log.warn("BETTER_AUTH_URL is not https: session cookies are sent without the Secure flag");
  }
  if (settings.serviceToken === null) {
    log.warn("SERVICE_TOKEN is not set: calling the chat service without a token");
  }
  // Opened once per process; an unreachable Redis is logged and does not stop the app.
  const redis = settings.redis ? await sharedRedis({ ...settings.redis, log }) : null;
  const { auth } = await createAuth({
    databaseUrl: settings.databaseUrl,
    secret: settings.authSecret,
    baseUrl: settings.baseUrl,
    trustedOrigins: settings.trustedOrigins,
    oidc: settings.oidc,
    signIn: settings.signIn,
    storeMaxBytes: settings.authLimitStoreMaxBytes,
    pool: settings.databasePool,
    log,
    redis,
    sessionCacheSeconds: settings.sessionCacheSeconds,
  });
  const authHandler = createAuthHandler(auth, {
    allowedOrigins: settings.trustedOrigins,
    signIn: settings.signIn,
    clientAddress: createClientAddressResolver(settings.trustedProxies),
    storeMaxBytes: settings.authLimitStoreMaxBytes,
    redis,
  });
  const service = { baseUrl: settings.serviceUrl, token: settings.serviceToken };
  const chat = createChatServiceClient(service);
  const keys = createApiKeyServiceClient(service);
  const usage = createUsageServiceClient(service);
  const models = createModelServiceClient(service);
  const transfer = createTransferServiceClient(service);
  const search = createSearchServiceClient(service);
  const presets = createPresetServiceClient(service);
  return {
    auth,
    authHandler,
    chat,
    keys,
    usage,
    models,
    transfer,
    search,
    presets,
    log,
    allowedOrigins: settings.trustedOrigins,
    signIn: settings.signIn,
  };
}

const holder = globalThis as typeof globalThis & { parleyAppDeps?: Promise<AppDeps> };

/** The app's parts; the first call builds them (and a failed build is retried by the next call). */
export function appDeps(): Promise<AppDeps> {
  holder.parleyAppDeps ??= buildAppDeps().catch((error: unknown) => {
    holder.parleyAppDeps = undefined;
    throw error;
  });
  return holder.parleyAppDeps;
}
