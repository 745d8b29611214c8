/**
 * better-auth, configured for Parley: email + password in MySQL, an optional OIDC provider (Keycloak or any
 * OpenID Connect issuer), rate-limited sign-in, cookies HttpOnly + SameSite=Lax (+ Secure over https),
 * and requests from origins other than our own refused. `createAuth` opens the database and migrates
 * better-auth's tables before it returns, so a fresh database needs no manual step.
 */
import "server-only";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { nextCookies } from "better-auth/next-js";
import { genericOAuth } from "better-auth/plugins";
import type { Pool } from "mysql2/promise";
import { openAuthDatabase } from "./auth-database";

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
}

/** The id of the OIDC provider in better-auth (its callback is `/api/auth/callback/oidc`). */
export const oidcProviderId = "oidc";

function authConfig(options: AuthOptions, database: Pool) {
  return {
    appName: "Parley",
    database,
    secret: options.secret,
    baseURL: options.baseUrl,
    basePath: "/api/auth",
    trustedOrigins: options.trustedOrigins,
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 128 },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: true,
      storage: "memory" as const,
      customRules: {
        "/sign-in/*": { window: options.signIn.windowSeconds, max: options.signIn.maxAttempts },
        "/sign-up/*": { window: 60, max: 10 },
      },
    },
    advanced: {
      useSecureCookies: options.baseUrl.startsWith("https://"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" as const, path: "/" },
    },
    telemetry: { enabled: false },
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

function buildAuth(options: AuthOptions, database: Pool) {
  return betterAuth(authConfig(options, database));
}

export type Auth = ReturnType<typeof buildAuth>;

/** An open, migrated auth instance; `close()` ends its database pool. */
export interface AuthInstance {
  auth: Auth;
  pool: Pool;
  close(): Promise<void>;
}

export async function createAuth(options: AuthOptions): Promise<AuthInstance> {
  const pool = await openAuthDatabase(options.databaseUrl);
  try {
    const auth = buildAuth(options, pool);
    const { runMigrations } = await getMigrations(auth.options);
    await runMigrations();
    return { auth, pool, close: () => pool.end() };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
