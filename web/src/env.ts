/**
 * The web app's settings: parsed once with zod, on first use (at start-up, from instrumentation) rather
 * than at import, so `next build` needs none of them. The only reader of `process.env` on the server.
 * Every setting is documented in the root .env.example ("Web app").
 */
import "server-only";
import { z } from "zod";
import { isAddressOrRange } from "./server/auth/client-address";

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value && value.trim().length > 0 ? value.trim() : undefined));

const commaList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const developmentSecret = "parley-development-secret-do-not-use-in-production";

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    BETTER_AUTH_SECRET: optionalText,
    BETTER_AUTH_URL: z.url().default("http://localhost:3000"),
    TRUSTED_ORIGINS: commaList,
    WEB_DATABASE_URL: z
      .string()
      .default("mysql://root@127.0.0.1:3306/parley_web")
      .refine((url) => url.startsWith("mysql://"), "must be a mysql:// URL"),
    SERVICE_URL: z.url().default("http://127.0.0.1:8080"),
    SERVICE_TOKEN: optionalText,
    OIDC_ISSUER: optionalText.pipe(z.url().optional()),
    OIDC_CLIENT_ID: optionalText,
    OIDC_CLIENT_SECRET: optionalText,
    OIDC_NAME: z.string().default("Keycloak"),
    OIDC_DISCOVERY_URL: optionalText.pipe(z.url().optional()),
    SIGN_IN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
    SIGN_IN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(300),
    SESSION_CACHE_SECONDS: z.coerce.number().int().min(1).max(300).default(60),
    TRUSTED_PROXIES: commaList.refine(
      (entries) => entries.every(isAddressOrRange),
      "must be comma-separated IP addresses or CIDR ranges",
    ),
    WEB_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).default(10),
    WEB_DATABASE_QUEUE_LIMIT: z.coerce.number().int().min(0).default(100),
    WEB_DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
    AUTH_LIMIT_STORE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(4 * 1024 * 1024),
    REDIS_URL: optionalText.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
        .optional(),
    ),
    REDIS_KEY_PREFIX: z
      .string()
      .default("parley:")
      .refine((prefix) => /^[\w:.-]{0,64}$/.test(prefix), "letters, digits and _ : . - only, at most 64"),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && (!env.BETTER_AUTH_SECRET || env.BETTER_AUTH_SECRET.length < 32)) {
      ctx.addIssue({
        code: "custom",
        path: ["BETTER_AUTH_SECRET"],
        message: "set a random secret of at least 32 characters (e.g. `openssl rand -base64 32`)",
      });
    }
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_ISSUER"],
        message: "OIDC needs all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (or none)",
      });
    }
  });

export type WebEnv = ReturnType<typeof parseEnv>;

/** Parses `source`; throws one Error naming every bad variable (never their values). */
export function parseEnv(source: Record<string, string | undefined>) {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid web app configuration:\n${problems.join("\n")}`);
  }
  const e = parsed.data;
  const baseUrl = e.BETTER_AUTH_URL.replace(/\/$/, "");
  return {
    production: e.NODE_ENV === "production",
    authSecret: e.BETTER_AUTH_SECRET ?? developmentSecret,
    baseUrl,
    trustedOrigins: [new URL(baseUrl).origin, ...e.TRUSTED_ORIGINS.map((origin) => new URL(origin).origin)],
    databaseUrl: e.WEB_DATABASE_URL,
    databasePool: {
      connectionLimit: e.WEB_DATABASE_POOL_SIZE,
      queueLimit: e.WEB_DATABASE_QUEUE_LIMIT,
      acquireTimeoutMs: e.WEB_DATABASE_ACQUIRE_TIMEOUT_MS,
    },
    serviceUrl: e.SERVICE_URL,
    serviceToken: e.SERVICE_TOKEN ?? null,
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
        ? {
            issuer: e.OIDC_ISSUER.replace(/\/$/, ""),
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            name: e.OIDC_NAME,
            discoveryUrl:
              e.OIDC_DISCOVERY_URL ?? `${e.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
          }
        : null,
    signIn: { maxAttempts: e.SIGN_IN_MAX_ATTEMPTS, windowSeconds: e.SIGN_IN_WINDOW_SECONDS },
    trustedProxies: e.TRUSTED_PROXIES,
    authLimitStoreMaxBytes: e.AUTH_LIMIT_STORE_MAX_BYTES,
    /** How long the signed session cookie cache is trusted (and a session ended elsewhere stays usable). */
    sessionCacheSeconds: e.SESSION_CACHE_SECONDS,
    /** Shared state for several replicas (sessions cache, sign-in limits); null = in this process only. */
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : null,
  };
}

let cached: WebEnv | undefined;

/** The process's settings, parsed on first call. */
export function env(): WebEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
