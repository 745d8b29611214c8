/**
 * better-auth, configured for Parley: email + password in MySQL, an optional OIDC provider (Keycloak or any
 * OpenID Connect issuer), rate-limited sign-in, cookies HttpOnly + SameSite=Lax (+ Secure over https),
 * and requests from origins other than our own refused. `createAuth` opens the database and migrates
 * better-auth's tables before it returns, so a fresh database needs no manual step.
 *
 * With Redis (several replicas), better-auth's secondary storage holds a cache of sessions and the
 * per-address sign-in limit for every replica; sessions and verifications are still written to the
 * database, which stays the truth when Redis is unreachable (redis-secondary-storage.ts).
 *
 * Sessions are cached in a signed, short-lived cookie (`session_data`, `sessionCacheSeconds`), so most
 * requests (every tRPC call) are authenticated without a database or Redis read. Sign-out clears that
 * cookie in the browser at once and this process refuses a replayed copy (signed-out-sessions.ts);
 * elsewhere a signed-out or revoked session stays usable until its cache expires.
 */
import "server-only";
import { betterAuth } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { getMigrations } from "better-auth/db/migration";
import { nextCookies } from "better-auth/next-js";
import { genericOAuth } from "better-auth/plugins";
import type { MysqlDialect } from "kysely";
import type { Pool } from "mysql2/promise";
import { consoleLogger, describeError, type Logger } from "../logger";
import type { SharedRedis } from "../redis/shared-redis";
import { defaultPoolLimits, isDatabaseBusy, openAuthDatabase, type PoolLimits } from "./auth-database";
import { clientAddressHeader } from "./client-address";
import { createCounterStore, type CounterStore } from "./counter-store";
import { createRedisSecondaryStorage } from "./redis-secondary-storage";
import { createSignedOutSessions, type SignedOutSessions } from "./signed-out-sessions";

export interface AuthOptions {
  /** `mysql://…/parley_web`: created when missing. */
  databaseUrl: string;
  secret: string;
  /** Where the app is served, e.g. `https://chat.example.com`; cookies are Secure when it is https. */
  baseUrl: string;
  /** Origins allowed to call the auth API besides `baseUrl`'s. */
  trustedOrigins: string[];
  oidc: { issuer: string; discoveryUrl: string; clientId: string; clientSecret: string; name: string } | null;
  signIn: { maxAttempts: number; windowSeconds: number };
  /** Bytes the per-address rate limit's counters may take (the oldest are forgotten beyond it). */
  storeMaxBytes: number;
  /** The database pool's bounds; default 10 connections, 100 waiting, 2 s wait. */
  pool?: PoolLimits;
  /** Where better-auth's own messages and a busy database pool (once per interval) are logged. */
  log?: Logger;
  /** Shares the session cache and the per-address limit with other replicas; none = this process only. */
  redis?: SharedRedis | null;
  /**
   * How long a signed session cookie cache is trusted without reading the session store; default 60 s.
   * Also how long a session signed out or revoked elsewhere (another replica, another device) stays usable.
   */
  sessionCacheSeconds?: number;
}

/**
 * A minute: a conversation's sends and re-subscriptions mostly fall within it (one session read per user
 * per minute instead of one per request), and a session ended elsewhere stays usable at most that long.
 */
export const defaultSessionCacheSeconds = 60;

/** The cache version of a session that is not signed out here; any other value forces a store read. */
const liveSessionVersion = "1";

/** The id of the OIDC provider in better-auth (its callback is `/api/auth/callback/oidc`). */
export const oidcProviderId = "oidc";

/** Where sessions are cached and the per-address limit counts: this process, or Redis for every replica. */
function sharedState(redis: SharedRedis | null | undefined, rateLimitStore: CounterStore) {
  if (!redis) return { rateLimit: { customStorage: rateLimitStore }, storage: {} };
  return {
    rateLimit: { storage: "secondary-storage" as const },
    storage: {
      secondaryStorage: createRedisSecondaryStorage(redis, rateLimitStore),
      // Written to the database as well, so a session or an OAuth state outlives a Redis fault.
      verification: { storeInDatabase: true },
    },
    session: { storeSessionInDatabase: true },
  };
}

function authConfig(
  options: AuthOptions,
  dialect: MysqlDialect,
  rateLimitStore: CounterStore,
  signedOut: SignedOutSessions,
) {
  const shared = sharedState(options.redis, rateLimitStore);
  const cacheSeconds = options.sessionCacheSeconds ?? defaultSessionCacheSeconds;
  return {
    appName: "Parley",
    database: { dialect, type: "mysql" as const, transaction: true },
    secret: options.secret,
    baseURL: options.baseUrl,
    basePath: "/api/auth",
    trustedOrigins: options.trustedOrigins,
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 128 },
    ...shared.storage,
    session: {
      expiresIn: 60 * 60 * 24 * 7,
      updateAge: 60 * 60 * 24,
      ...shared.session,
      cookieCache: {
        enabled: true,
        maxAge: cacheSeconds,
        version: (session: { token: string }) =>
          signedOut.has(session.token) ? "signed-out" : liveSessionVersion,
      },
    },
    hooks: {
      // Remembers the token before better-auth ends the session, so a replayed cache is refused here.
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-out") return;
        const token = await ctx.getSignedCookie(
          ctx.context.authCookies.sessionToken.name,
          ctx.context.secret,
        );
        if (token) signedOut.add(token);
      }),
    },
    rateLimit: {
      enabled: true,
      // Per client address (resolved by the auth handler, see client-address.ts), in a byte-bounded store
      // of this process, or in Redis (falling back to that store when Redis fails).
      ...shared.rateLimit,
      customRules: {
        "/sign-in/*": { window: options.signIn.windowSeconds, max: options.signIn.maxAttempts },
        "/sign-up/*": { window: 60, max: 10 },
      },
    },
    advanced: {
      // Only the auth handler writes this header (it drops any value a client sent).
      ipAddress: { ipAddressHeaders: [clientAddressHeader] },
      useSecureCookies: options.baseUrl.startsWith("https://"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" as const, path: "/" },
    },
    telemetry: { enabled: false },
    logger: betterAuthLogger(options.log ?? consoleLogger),
    plugins: [
      ...(options.oidc
        ? [
            genericOAuth({
              config: [
                {
                  providerId: oidcProviderId,
                  name: options.oidc.name,
                  discoveryUrl: options.oidc.discoveryUrl,
                  clientId: options.oidc.clientId,
                  clientSecret: options.oidc.clientSecret,
                  scopes: ["openid", "profile", "email"],
                  pkce: true,
                },
              ],
            }),
          ]
        : []),
      // Lets server actions that call auth.api set cookies; must stay last.
      nextCookies(),
    ],
  };
}

/**
 * better-auth's messages in our log. A refusal of the busy pool is left out: better-auth would log one
 * error per refused request, and the pool already reports them once per interval.
 */
function betterAuthLogger(log: Logger) {
  return {
    level: "warn" as const,
    log(level: "debug" | "info" | "warn" | "error", message: string, ...args: unknown[]) {
      if (args.some(isDatabaseBusy)) return;
      const fields = args.length > 0 ? { details: args.map(describeError) } : {};
      if (level === "error") log.error(`better-auth: ${message}`, fields);
      else if (level === "warn") log.warn(`better-auth: ${message}`, fields);
      else log.info(`better-auth: ${message}`, fields);
    },
  };
}

function buildAuth(
  options: AuthOptions,
  dialect: MysqlDialect,
  rateLimitStore: CounterStore,
  signedOut: SignedOutSessions,
) {
  return betterAuth(authConfig(options, dialect, rateLimitStore, signedOut));
}

export type Auth = ReturnType<typeof buildAuth>;

/** An open, migrated auth instance; `close()` ends its database pool. */
export interface AuthInstance {
  auth: Auth;
  pool: Pool;
  /** The per-address rate limit's counters in this process (with Redis: the fallback during an outage). */
  rateLimitStore: CounterStore;
  close(): Promise<void>;
}

export async function createAuth(options: AuthOptions): Promise<AuthInstance> {
  const { pool, dialect } = await openAuthDatabase(
    options.databaseUrl,
    options.pool ?? defaultPoolLimits,
    options.log ?? consoleLogger,
  );
  try {
    const rateLimitStore = createCounterStore({ maxBytes: options.storeMaxBytes });
    const signedOut = createSignedOutSessions({
      windowMs: (options.sessionCacheSeconds ?? defaultSessionCacheSeconds) * 1000,
      maxEntries: 100_000,
    });
    const auth = buildAuth(options, dialect, rateLimitStore, signedOut);
    const { runMigrations } = await getMigrations(auth.options);
    await runMigrations();
    return { auth, pool, rateLimitStore, close: () => pool.end() };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
