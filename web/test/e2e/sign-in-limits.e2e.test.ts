/**
 * The sign-in limits against the production server over real sockets: the per-address limit keys on the
 * socket's peer (a forged X-Forwarded-For changes nothing) unless TRUSTED_PROXIES names the peer, form
 * bodies are locked out like JSON, and an over-long body is refused at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/service-process";
import { startTestWeb, type TestWeb } from "../support/web-process";

let service: TestService;
let direct: TestWeb;
let proxied: TestWeb;
const limits = { SIGN_IN_MAX_ATTEMPTS: "3", SIGN_IN_WINDOW_SECONDS: "300" };

beforeAll(async () => {
  service = await startTestService({ paceMs: 5 });
  direct = await startTestWeb(service, limits);
  // Here the test client plays the proxy: it connects from 127.0.0.1.
  proxied = await startTestWeb(service, { ...limits, TRUSTED_PROXIES: "127.0.0.1" });
});

afterAll(async () => {
  await direct?.stop();
  await proxied?.stop();
  await service?.stop();
});

function signIn(web: TestWeb, body: string, headers: Record<string, string> = {}) {
  return fetch(`${web.baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: web.baseUrl, ...headers },
    body,
  });
}

const guess = (n: number) => JSON.stringify({ email: `guess-${n}@example.com`, password: "guessing..." });

describe("talking to the web app directly", () => {
  it("a forged X-Forwarded-For does not escape the per-address limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await signIn(direct, guess(i), { "x-forwarded-for": `192.0.2.${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("an over-long email is refused at once, whatever its size", async () => {
    const huge = JSON.stringify({ email: `${"m".repeat(1024 * 1024)}@example.com`, password: "guessing..." });
    expect((await signIn(direct, huge)).status).toBe(413);
    const long = JSON.stringify({ email: `${"m".repeat(255)}@example.com`, password: "guessing..." });
    expect((await signIn(direct, long)).status).toBe(400);
  });
});

describe("behind a trusted proxy (TRUSTED_PROXIES)", () => {
  it("limits each forwarded client on its own, and locks an account out for form posts too", async () => {
    const from = (client: string, n: number) => signIn(proxied, guess(n), { "x-forwarded-for": client });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await from("198.51.100.7", i)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await from("198.51.100.8", 10)).status).toBe(401);

    const form = (client: string) =>
      fetch(`${proxied.baseUrl}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { origin: proxied.baseUrl, "x-forwarded-for": client },
        body: new URLSearchParams({ email: "someone@example.com", password: "guessing..." }),
      });
    const formStatuses: number[] = [];
    for (let i = 0; i < 4; i++) formStatuses.push((await form(`198.51.100.${20 + i}`)).status);
    expect(formStatuses).toEqual([401, 401, 401, 429]);
  });
});
