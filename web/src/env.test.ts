import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("the web app's settings", () => {
  it("run locally with no settings at all", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      production: false,
      baseUrl: "http://localhost:3000",
      trustedOrigins: ["http://localhost:3000"],
      serviceUrl: "http://127.0.0.1:8080",
      serviceToken: null,
      oidc: null,
      signIn: { maxAttempts: 10, windowSeconds: 300 },
      trustedProxies: [],
      databasePool: { connectionLimit: 10, queueLimit: 100, acquireTimeoutMs: 2_000 },
      authLimitStoreMaxBytes: 4 * 1024 * 1024,
      sessionCacheSeconds: 60,
      redis: null,
    });
  });

  it("trust a session cookie cache for SESSION_CACHE_SECONDS, 1 to 300", () => {
    expect(parseEnv({ SESSION_CACHE_SECONDS: "5" }).sessionCacheSeconds).toBe(5);
    expect(() => parseEnv({ SESSION_CACHE_SECONDS: "0" })).toThrow(/SESSION_CACHE_SECONDS/);
    expect(() => parseEnv({ SESSION_CACHE_SECONDS: "301" })).toThrow(/SESSION_CACHE_SECONDS/);
  });

  it("share sessions and sign-in limits through Redis when REDIS_URL is set, under REDIS_KEY_PREFIX", () => {
    expect(parseEnv({ REDIS_URL: "redis://10.0.0.7:6379/2" }).redis).toEqual({
      url: "redis://10.0.0.7:6379/2",
      keyPrefix: "parley:",
    });
    expect(parseEnv({ REDIS_URL: " ", REDIS_KEY_PREFIX: "x:" }).redis).toBeNull();
    expect(parseEnv({ REDIS_URL: "rediss://cache:6380", REDIS_KEY_PREFIX: "eu-1:" }).redis?.keyPrefix).toBe(
      "eu-1:",
    );
    expect(() => parseEnv({ REDIS_URL: "http://secret@cache:6379" })).toThrow(/REDIS_URL/);
    expect(() => parseEnv({ REDIS_URL: "http://secret@cache:6379" })).not.toThrow(/secret@/);
    expect(() => parseEnv({ REDIS_KEY_PREFIX: "a b" })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it("trust forwarded addresses only from TRUSTED_PROXIES, which must be addresses or ranges", () => {
    expect(parseEnv({ TRUSTED_PROXIES: "10.0.0.5, 172.18.0.0/16" }).trustedProxies).toEqual([
      "10.0.0.5",
      "172.18.0.0/16",
    ]);
    expect(() => parseEnv({ TRUSTED_PROXIES: "proxy.internal" })).toThrow(/TRUSTED_PROXIES/);
  });

  it("need a real secret in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/BETTER_AUTH_SECRET/);
    expect(() => parseEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: "short" })).toThrow(/32 characters/);
    expect(parseEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: "x".repeat(32) }).production).toBe(true);
  });

  it("turn OIDC on with all three settings, and refuse half of them", () => {
    const oidc = { OIDC_ISSUER: "https://sso.example.com/realms/parley/", OIDC_CLIENT_ID: "web" };
    expect(() => parseEnv(oidc)).toThrow(/OIDC_CLIENT_SECRET/);
    expect(parseEnv({ ...oidc, OIDC_CLIENT_SECRET: "s" }).oidc).toEqual({
      issuer: "https://sso.example.com/realms/parley",
      discoveryUrl: "https://sso.example.com/realms/parley/.well-known/openid-configuration",
      clientId: "web",
      clientSecret: "s",
      name: "Keycloak",
    });
  });

  it("trust the app's own origin plus TRUSTED_ORIGINS, and never echo a bad value", () => {
    const env = parseEnv({
      BETTER_AUTH_URL: "https://chat.example.com/",
      TRUSTED_ORIGINS: "https://a.example.com/x, ",
    });
    expect(env.trustedOrigins).toEqual(["https://chat.example.com", "https://a.example.com"]);
    expect(() => parseEnv({ WEB_DATABASE_URL: "postgres://secret@db/x" })).toThrow(/WEB_DATABASE_URL/);
    expect(() => parseEnv({ WEB_DATABASE_URL: "postgres://secret@db/x" })).not.toThrow(/secret@/);
  });
});
