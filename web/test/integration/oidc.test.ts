/**
 * Single sign-on with an OpenID Connect provider (Keycloak-shaped, faked on 127.0.0.1): the redirect to
 * the provider with PKCE and state, then the callback that exchanges the code and signs the person in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthHandler } from "~/server/auth/auth-handler";
import { createClientAddressResolver } from "~/server/auth/client-address";
import { createAuth, type AuthInstance } from "~/server/auth/create-auth";
import { cookieHeader } from "../support/bff-harness";
import { startFakeOidcProvider, type FakeOidcProvider } from "../support/fake-oidc-provider";
import { dropDatabase, uniqueDatabase } from "../support/test-databases";

const database = uniqueDatabase("web");
const origin = "http://localhost:3000";
let provider: FakeOidcProvider;
let instance: AuthInstance;
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  provider = await startFakeOidcProvider({ sub: "kc-123", email: "sso@example.com", name: "Sso User" });
  instance = await createAuth({
    databaseUrl: database.url,
    secret: "test-secret-test-secret-test-secret-0123",
    baseUrl: origin,
    trustedOrigins: [origin],
    oidc: {
      issuer: provider.issuer,
      discoveryUrl: `${provider.issuer}/.well-known/openid-configuration`,
      clientId: "parley-web",
      clientSecret: "parley-web-secret",
      name: "Keycloak",
    },
    signIn: { maxAttempts: 10, windowSeconds: 300 },
    storeMaxBytes: 1024 * 1024,
  });
  handle = createAuthHandler(instance.auth, {
    allowedOrigins: [origin],
    signIn: { maxAttempts: 10, windowSeconds: 300 },
    clientAddress: createClientAddressResolver([]),
    storeMaxBytes: 1024 * 1024,
  });
});

afterAll(async () => {
  await instance?.close();
  await provider?.close();
  await dropDatabase(database.name);
});

describe("OIDC sign-in", () => {
  it("sends the browser to the provider, then signs the person in from the callback", async () => {
    const start = await handle(
      new Request(`${origin}/api/auth/sign-in/social`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: JSON.stringify({ provider: "oidc", callbackURL: "/chat" }),
      }),
    );
    expect(start.status).toBe(200);
    const { url } = (await start.json()) as { url: string };
    const authorize = new URL(url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(
      `${provider.issuer}/protocol/openid-connect/auth`,
    );
    expect(authorize.searchParams.get("client_id")).toBe("parley-web");
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${origin}/api/auth/callback/oidc`);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("scope")?.split(" ")).toEqual(
      expect.arrayContaining(["openid", "email", "profile"]),
    );
    const state = authorize.searchParams.get("state")!;

    // The provider sends the browser back with a code; the state cookie comes along.
    const callback = await handle(
      new Request(`${origin}/api/auth/callback/oidc?code=the-code&state=${encodeURIComponent(state)}`, {
        headers: { cookie: cookieHeader(start) },
      }),
    );
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe("/chat");
    expect(provider.tokenRequests.at(-1)?.get("code_verifier")).toBeTruthy();

    const session = await instance.auth.api.getSession({
      headers: new Headers({ cookie: cookieHeader(callback) }),
    });
    expect(session?.user).toMatchObject({ email: "sso@example.com", name: "Sso User" });
  });
});
