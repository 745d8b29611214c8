/**
 * better-auth as configured for Parley, over its HTTP handler: the session cookie's attributes, sign-in
 * rate limiting, foreign origins refused, and sign-out ending the session on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthHandler, type AuthHandler } from "~/server/auth/auth-handler";
import { createClientAddressResolver } from "~/server/auth/client-address";
import { createAuth, type AuthInstance } from "~/server/auth/create-auth";
import { cookieHeader } from "../support/bff-harness";
import { dropDatabase, uniqueDatabase } from "../support/test-databases";

const database = uniqueDatabase("web");
const origin = "http://localhost:3000";
let local: AuthInstance;
let secure: AuthInstance;
const handlers = new Map<AuthInstance, AuthHandler>();
const storeMaxBytes = 4 * 1024 * 1024;

const options = (baseUrl: string) => ({
  databaseUrl: database.url,
  secret: "test-secret-test-secret-test-secret-0123",
  baseUrl,
  trustedOrigins: [new URL(baseUrl).origin],
  oidc: null,
  signIn: { maxAttempts: 7, windowSeconds: 300 },
  storeMaxBytes,
});

/** The auth handler as the app builds it: the socket's address, and forwarded headers from `trusted` only. */
const handlerFor = (instance: AuthInstance, base: string, trusted: string[] = [], maxBytes = storeMaxBytes) =>
  createAuthHandler(instance.auth, {
    allowedOrigins: [base],
    signIn: { maxAttempts: 7, windowSeconds: 300 },
    clientAddress: createClientAddressResolver(trusted),
    storeMaxBytes: maxBytes,
  });

beforeAll(async () => {
  local = await createAuth(options(origin));
  secure = await createAuth(options("https://chat.example.com"));
  for (const [instance, base] of [
    [local, origin],
    [secure, "https://chat.example.com"],
  ] as const) {
    handlers.set(instance, handlerFor(instance, base));
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
    await post(local, "/sign-up/email", account("known@example.com"), {
      "x-parley-remote-address": "198.51.100.1",
    });
    const wrong = await post(
      local,
      "/sign-in/email",
      { email: "known@example.com", password: "wrong password!" },
      { "x-parley-remote-address": "198.51.100.1" },
    );
    const unknown = await post(
      local,
      "/sign-in/email",
      { email: "nobody@example.com", password: "wrong password!" },
      { "x-parley-remote-address": "198.51.100.1" },
    );
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("is rate-limited per client address: the 8th attempt within the window gets 429", async () => {
    await post(local, "/sign-up/email", account("victim-a@example.com"), {
      "x-parley-remote-address": "198.51.100.3",
    });
    // Each guess names another account, so only the per-address limit can stop them.
    const attempt = (ip: string, n: number) =>
      post(
        local,
        "/sign-in/email",
        { email: `guess-${n}@example.com`, password: "guessing..." },
        { "x-parley-remote-address": ip },
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
      "x-parley-remote-address": "198.51.100.4",
    });
    const guess = (n: number, password = "guessing...") =>
      post(
        local,
        "/sign-in/email",
        { email: "Victim-B@example.com", password },
        { "x-parley-remote-address": `10.1.2.${n}` },
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
      { "x-parley-remote-address": "10.1.3.1" },
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
        { "x-parley-remote-address": "198.51.100.2", ...headers },
      );
      expect(response.status).toBe(403);
    }
  });
});

/** A sign-in posted as an HTML form does without script. */
function postForm(handler: AuthHandler, fields: Record<string, string> | string, peer: string, extra = {}) {
  return handler(
    new Request(`${origin}/api/auth/sign-in/email`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin,
        "x-parley-remote-address": peer,
        ...extra,
      },
      body: typeof fields === "string" ? fields : new URLSearchParams(fields).toString(),
    }),
  );
}

describe("the per-account lockout", () => {
  it("counts form-encoded guesses like JSON ones, and then refuses the right password either way", async () => {
    await post(local, "/sign-up/email", account("victim-form@example.com"), {
      "x-parley-remote-address": "198.51.100.20",
    });
    const handler = handlers.get(local)!;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const guess = { email: "victim-form@example.com", password: `guess number ${i}` };
      statuses.push((await postForm(handler, guess, `10.2.0.${i}`)).status);
    }
    expect(statuses).toEqual([...Array(7).fill(401), 429]);
    const right = { email: "Victim-Form@example.com ", password: "correct horse battery" };
    expect((await postForm(handler, right, "10.2.1.1")).status).toBe(429);
    const json = await post(local, "/sign-in/email", right, { "x-parley-remote-address": "10.2.1.2" });
    expect(json.status).toBe(429);
  });

  it("counts parallel guesses before checking them, so a burst cannot slip past the limit", async () => {
    await post(local, "/sign-up/email", account("victim-burst@example.com"), {
      "x-parley-remote-address": "198.51.100.21",
    });
    const guesses = Array.from({ length: 20 }, (_, i) =>
      post(
        local,
        "/sign-in/email",
        { email: "victim-burst@example.com", password: `guess number ${i}` },
        { "x-parley-remote-address": `10.3.0.${i}` },
      ),
    );
    const statuses = (await Promise.all(guesses)).map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(7).fill(401), ...Array(13).fill(429)]);
  });

  it("refuses a form naming two emails, and content types better-auth would read differently", async () => {
    const handler = handlers.get(local)!;
    const twice = "email=decoy%40example.com&email=victim-form%40example.com&password=guessing...";
    expect((await postForm(handler, twice, "10.4.0.1")).status).toBe(400);
    const multipart = new FormData();
    multipart.set("email", "victim-form@example.com");
    multipart.set("password", "guessing...");
    const response = await handler(
      new Request(`${origin}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { origin, "x-parley-remote-address": "10.4.0.2" },
        body: multipart,
      }),
    );
    expect(response.status).toBe(415);
  });
});

describe("over-long input", () => {
  it("an email over 254 octets is refused (400) before any bookkeeping; a 1 MB body is not even read", async () => {
    const handler = handlers.get(local)!;
    const before = { failures: handler.failures.bytes, perAddress: local.rateLimitStore.bytes };
    const longest = `${"a".repeat(242)}@example.com`;
    expect(longest.length).toBe(254);
    const tooLong = `a${longest}`;
    const refused = await post(local, "/sign-in/email", { email: tooLong, password: "guessing..." });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "EMAIL_TOO_LONG" });
    const signUp = await post(local, "/sign-up/email", account(tooLong));
    expect(signUp.status).toBe(400);
    const started = performance.now();
    const huge = await post(local, "/sign-in/email", {
      email: `${"m".repeat(1024 * 1024)}@example.com`,
      password: "guessing...",
    });
    expect(huge.status).toBe(413);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect({ failures: handler.failures.bytes, perAddress: local.rateLimitStore.bytes }).toEqual(before);
  });

  it("the failed-attempt counters stay within their byte bound under a flood of long, distinct emails", async () => {
    // ~620 bytes an entry: room for about 26 of the 80 accounts guessed at.
    const maxBytes = 16 * 1024;
    const handler = handlerFor(local, origin, [], maxBytes);
    for (let i = 0; i < 80; i++) {
      const email = `${String(i).padStart(4, "0")}${"b".repeat(238)}@example.com`;
      const response = await handler(
        new Request(`${origin}/api/auth/sign-in/email`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin,
            "x-parley-remote-address": `10.5.${i >> 8}.${i & 255}`,
          },
          body: JSON.stringify({ email, password: "guessing..." }),
        }),
      );
      expect(response.status).toBe(401);
    }
    expect(handler.failures.bytes).toBeLessThanOrEqual(maxBytes);
    expect(handler.failures.bytes).toBeGreaterThan(maxBytes - 700);
    expect(handler.failures.size).toBeLessThan(30);
  });
});

describe("the per-address limit", () => {
  it("ignores X-Forwarded-For from a client that talks to the app directly", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await post(
        local,
        "/sign-in/email",
        { email: `forger-${i}@example.com`, password: "guessing..." },
        { "x-parley-remote-address": "203.0.113.40", "x-forwarded-for": `192.0.2.${i}` },
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(7).fill(401), 429]);
  });

  it("uses the forwarded address when the peer is a trusted proxy (TRUSTED_PROXIES)", async () => {
    const behindProxy = handlerFor(local, origin, ["10.9.0.0/24"]);
    const viaProxy = (client: string, n: number) =>
      behindProxy(
        new Request(`${origin}/api/auth/sign-in/email`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin,
            "x-parley-remote-address": "10.9.0.2",
            // What a client wrote, then what the proxy appended.
            "x-forwarded-for": `192.0.2.${n}, ${client}`,
          },
          body: JSON.stringify({ email: `proxied-${client}-${n}@example.com`, password: "guessing..." }),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await viaProxy("198.51.100.60", i)).status);
    expect(statuses).toEqual([...Array(7).fill(401), 429]);
    // Another client behind the same proxy is not limited by the first one's guesses.
    expect((await viaProxy("198.51.100.61", 0)).status).toBe(401);
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
