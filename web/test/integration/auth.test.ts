/**
 * better-auth as configured for Parley, over its HTTP handler: the session cookie's attributes, sign-in
 * rate limiting, foreign origins refused, and sign-out ending the session on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthHandler } from "~/server/auth/auth-handler";
import { createAuth, type AuthInstance } from "~/server/auth/create-auth";
import { cookieHeader } from "../support/bff-harness";
import { dropDatabase, uniqueDatabase } from "../support/test-databases";

const database = uniqueDatabase("web");
const origin = "http://localhost:3000";
let local: AuthInstance;
let secure: AuthInstance;
const handlers = new Map<AuthInstance, (request: Request) => Promise<Response>>();

const options = (baseUrl: string) => ({
  databaseUrl: database.url,
  secret: "test-secret-test-secret-test-secret-0123",
  baseUrl,
  trustedOrigins: [new URL(baseUrl).origin],
  oidc: null,
  signIn: { maxAttempts: 7, windowSeconds: 300 },
});

beforeAll(async () => {
  local = await createAuth(options(origin));
  secure = await createAuth(options("https://chat.example.com"));
  for (const [instance, base] of [
    [local, origin],
    [secure, "https://chat.example.com"],
  ] as const) {
    const signIn = { maxAttempts: 7, windowSeconds: 300 };
    handlers.set(instance, createAuthHandler(instance.auth, { allowedOrigins: [base], signIn }));
  }
});

afterAll(async () => {
  await local?.close();
  await secure?.close();
  await dropDatabase(database.name);
});

function post(instance: AuthInstance, path: string, body: unknown, headers: Record<string, string> = {}) {
  const base = instance === secure ? "https://chat.example.com" : origin;
  // An empty value leaves the header out (e.g. no Origin at all).
  const sent = Object.entries({ "content-type": "application/json", origin: base, ...headers }).filter(
    ([, value]) => value !== "",
  );
  return handlers.get(instance)!(
    new Request(`${base}/api/auth${path}`, { method: "POST", headers: sent, body: JSON.stringify(body) }),
  );
}

const account = (email: string) => ({ email, password: "correct horse battery", name: "Someone" });

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Lax and Path=/", async () => {
    const response = await post(local, "/sign-up/email", account("cookie@example.com"));
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((value) => value.includes("session_token"))!;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
  });

  it("is Secure (with the __Secure- prefix) when the app is served over https", async () => {
    const response = await post(secure, "/sign-up/email", account("secure@example.com"));
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((value) => value.includes("session_token"))!;
    expect(cookie).toMatch(/^__Secure-better-auth\.session_token=/);
    expect(cookie).toMatch(/; Secure/i);
  });
});

describe("sign-in", () => {
  it("refuses a wrong password with the same answer as an unknown email", async () => {
    await post(local, "/sign-up/email", account("known@example.com"), { "x-forwarded-for": "198.51.100.1" });
    const wrong = await post(
      local,
      "/sign-in/email",
      { email: "known@example.com", password: "wrong password!" },
      { "x-forwarded-for": "198.51.100.1" },
    );
    const unknown = await post(
      local,
      "/sign-in/email",
      { email: "nobody@example.com", password: "wrong password!" },
      { "x-forwarded-for": "198.51.100.1" },
    );
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("is rate-limited per client address: the 8th attempt within the window gets 429", async () => {
    await post(local, "/sign-up/email", account("victim-a@example.com"), {
      "x-forwarded-for": "198.51.100.3",
    });
    // Each guess names another account, so only the per-address limit can stop them.
    const attempt = (ip: string, n: number) =>
      post(
        local,
        "/sign-in/email",
        { email: `guess-${n}@example.com`, password: "guessing..." },
        { "x-forwarded-for": ip },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await attempt("203.0.113.9", i)).status);
    expect(statuses).toEqual([...Array(7).fill(401), 429]);
    const limited = await attempt("203.0.113.9", 99);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("x-retry-after"))).toBeGreaterThan(0);
    // Someone else is not locked out.
    expect((await attempt("203.0.113.10", 100)).status).toBe(401);
  });

  it("is rate-limited per account too, whatever address the guesses claim to come from", async () => {
    await post(local, "/sign-up/email", account("victim-b@example.com"), {
      "x-forwarded-for": "198.51.100.4",
    });
    const guess = (n: number, password = "guessing...") =>
      post(
        local,
        "/sign-in/email",
        { email: "Victim-B@example.com", password },
        { "x-forwarded-for": `10.1.2.${n}` },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await guess(i)).status);
    expect(statuses).toEqual([...Array(7).fill(401), 429]);
    // Even the right password waits for the window to pass; other accounts are unaffected.
    const rightPassword = await guess(50, "correct horse battery");
    expect(rightPassword.status).toBe(429);
    expect(Number(rightPassword.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await post(
      local,
      "/sign-in/email",
      { email: "victim-a@example.com", password: "correct horse battery" },
      { "x-forwarded-for": "10.1.3.1" },
    );
    expect(other.status).toBe(200);
  });

  it("refuses requests from a foreign origin (no login CSRF)", async () => {
    const attempts: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "", "sec-fetch-site": "cross-site" },
    ];
    for (const headers of attempts) {
      const response = await post(
        local,
        "/sign-in/email",
        { email: "known@example.com", password: "correct horse battery" },
        { "x-forwarded-for": "198.51.100.2", ...headers },
      );
      expect(response.status).toBe(403);
    }
  });
});

describe("sign-out", () => {
  it("ends the session on the server: the old cookie no longer works", async () => {
    const signedUp = await post(local, "/sign-up/email", account("leaving@example.com"));
    const cookie = cookieHeader(signedUp);
    expect(await local.auth.api.getSession({ headers: new Headers({ cookie }) })).not.toBeNull();
    const signedOut = await post(local, "/sign-out", {}, { cookie });
    expect(signedOut.status).toBe(200);
    expect(await local.auth.api.getSession({ headers: new Headers({ cookie }) })).toBeNull();
  });
});
