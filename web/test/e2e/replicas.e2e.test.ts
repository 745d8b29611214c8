/**
 * Two web replicas (real processes on their own ports) sharing one chat service, one web database and,
 * through REDIS_URL, one Redis key prefix: sign-in limits count both replicas' attempts, a session made on
 * one is good on the other, where a live answer resumes; without Redis each replica counts alone; and a
 * Redis outage lets correct sign-ins through while each replica keeps counting failures on its own.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codePointLength } from "~/lib/code-points";
import { launchBrowser } from "../support/browser";
import { aUser } from "../support/e2e-stack";
import { AuthPage } from "../support/pages/auth-page";
import { ChatPage } from "../support/pages/chat-page";
import { testRedisPrefix, testRedisUrl, type TestRedisPrefix } from "../support/redis-prefix";
import { startTestService, type TestService } from "../support/service-process";
import { questionWithCode } from "../support/simulator-questions";
import { storedAnswers } from "../support/stored-answers";
import { startTcpProxy, type TcpProxy } from "@parley/test-support";
import { startWebReplicas, type WebReplicas } from "../support/web-replicas";
import type { TestWeb } from "../support/web-process";

const maxAttempts = 4;
// The test client plays a trusted proxy, so each scenario can come from addresses of its own.
const settings = {
  SIGN_IN_MAX_ATTEMPTS: String(maxAttempts),
  SIGN_IN_WINDOW_SECONDS: "300",
  TRUSTED_PROXIES: "127.0.0.1",
};

let service: TestService;

beforeAll(async () => {
  // ~100 ms a word: an answer takes seconds to type, long enough to switch replicas midway even on a
  // busy machine.
  service = await startTestService({ paceMs: 100 });
});

afterAll(() => service?.stop());

function post(web: TestWeb, path: string, body: unknown, client: string, cookie?: string) {
  return fetch(`${web.baseUrl}/api/auth${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: web.baseUrl,
      "x-forwarded-for": client,
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify(body),
  });
}

const wrong = (email: string) => ({ email, password: "not the password" });

/** Statuses of `count` wrong passwords, each on `webs[i % webs.length]`, from `clientOf(i)`. */
async function guesses(
  webs: TestWeb[],
  count: number,
  emailOf: (i: number) => string,
  clientOf: (i: number) => string,
) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    statuses.push(
      (await post(webs[i % webs.length]!, "/sign-in/email", wrong(emailOf(i)), clientOf(i))).status,
    );
  }
  return statuses;
}

/** Lines of a process's output whose message is `message`. */
const linesSaying = (web: TestWeb, message: string) =>
  web
    .output()
    .split("\n")
    .filter((line) => line.includes(`"message":"${message}`)).length;

const unreachable = "Redis unreachable: sessions and sign-in limits fall back to this process";
const allowedTimes = (n: number) => Array.from({ length: n }, () => 401);

describe("with Redis", () => {
  let redisKeys: TestRedisPrefix;
  let replicas: WebReplicas;
  let browser: Browser;

  beforeAll(async () => {
    redisKeys = testRedisPrefix();
    replicas = await startWebReplicas(service, {
      ...settings,
      REDIS_URL: testRedisUrl,
      REDIS_KEY_PREFIX: redisKeys.prefix,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await replicas?.stop();
    await redisKeys?.cleanUp();
  });

  it("one address's sign-ins count on both replicas: the limit is reached together", async () => {
    const { a, b } = replicas;
    const from = () => "198.51.100.1";
    expect(await guesses([a, b], maxAttempts, (i) => `address-${i}@example.com`, from)).toEqual(
      allowedTimes(maxAttempts),
    );
    for (const web of [a, b]) {
      const refused = await post(web, "/sign-in/email", wrong("address-next@example.com"), from());
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ message: "Too many requests. Please try again later." });
    }
    expect(await redisKeys.keys("auth:198.51.100.1|*")).toEqual(["auth:198.51.100.1|/sign-in/email"]);
  });

  it("one account's wrong passwords count on both replicas, from any address: it is locked on both", async () => {
    const { a, b } = replicas;
    const victim = "victim@example.com";
    expect(
      await guesses(
        [a, b],
        maxAttempts,
        () => victim,
        (i) => `198.51.100.${10 + i}`,
      ),
    ).toEqual(allowedTimes(maxAttempts));
    for (const [i, web] of [a, b].entries()) {
      const refused = await post(web, "/sign-in/email", wrong(victim), `198.51.100.${30 + i}`);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    }
    expect(await redisKeys.keys("auth-lockout:account:victim*")).toEqual([`auth-lockout:account:${victim}`]);
  });

  it("a session from replica A is good on replica B, where a live answer resumes and ends whole", async () => {
    const { a, b } = replicas;
    const user = aUser("Ada");
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const pageA = await context.newPage();
      await new AuthPage(pageA, a.baseUrl).signUp(user);
      // The session is cached in Redis for every replica.
      const cookie = (await context.cookies(a.baseUrl)).find((c) => c.name.endsWith("session_token"))!;
      const token = decodeURIComponent(cookie.value).split(".")[0]!;
      expect(await redisKeys.keys(`auth:${token}`)).toEqual([`auth:${token}`]);

      const chatA = new ChatPage(pageA, a.baseUrl);
      await chatA.send(questionWithCode("Which replica is answering me?"));
      await chatA.waitForLength(30);
      const chatId = await chatA.chatId();

      // Same browser, same cookies (cookies do not depend on the port), the other replica.
      const pageB = await context.newPage();
      const chatB = new ChatPage(pageB, b.baseUrl);
      await chatB.open(chatId);
      const samples = await chatB.sampleUntilDone(80);
      expect(pageB.url()).toBe(`${b.baseUrl}/chat/${chatId}`);
      expect(samples[0]!.status).toBe("streaming");
      expect(samples.at(-1)!.status).toBe("complete");
      expect(
        new Set(samples.filter((s) => s.status === "streaming").map((s) => s.length)).size,
      ).toBeGreaterThan(2);

      const stored = await storedAnswers(service, replicas.databaseUrl).storedAnswer(user.email, chatId);
      expect(stored.status).toBe("complete");
      expect((await chatB.answerState()).length).toBe(codePointLength(stored.content));
      await chatA.waitForAnswer("complete");
      const shownOnB = await chatB.answerText();
      expect(await chatA.answerText()).toBe(shownOnB);
      // What B renders from the stored answer alone is what it showed live.
      await pageB.reload();
      await chatB.waitForAnswer("complete");
      expect(await chatB.answerText()).toBe(shownOnB);
      expect(await chatB.answers().count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});

describe("without Redis", () => {
  let replicas: WebReplicas;

  beforeAll(async () => {
    replicas = await startWebReplicas(service, settings);
  });

  afterAll(() => replicas?.stop());

  it("each replica counts alone: twice the limit gets through, split between them", async () => {
    const { a, b } = replicas;
    const from = () => "198.51.100.50";
    expect(await guesses([a, b], 2 * maxAttempts, (i) => `alone-${i}@example.com`, from)).toEqual(
      allowedTimes(2 * maxAttempts),
    );
    expect((await post(a, "/sign-in/email", wrong("alone-next@example.com"), from())).status).toBe(429);

    const victim = "alone-victim@example.com";
    expect(
      await guesses(
        [a, b],
        2 * maxAttempts,
        () => victim,
        (i) => `198.51.100.${60 + i}`,
      ),
    ).toEqual(allowedTimes(2 * maxAttempts));
    expect((await post(b, "/sign-in/email", wrong(victim), "198.51.100.90")).status).toBe(429);
  });
});

describe("when Redis goes away", () => {
  let redisKeys: TestRedisPrefix;
  let proxy: TcpProxy;
  let replicas: WebReplicas;

  beforeAll(async () => {
    redisKeys = testRedisPrefix();
    proxy = await startTcpProxy(Number(new URL(testRedisUrl).port || 6379));
    replicas = await startWebReplicas(service, {
      ...settings,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: redisKeys.prefix,
    });
  });

  afterAll(async () => {
    await replicas?.stop();
    await proxy?.close();
    await redisKeys?.cleanUp();
  });

  it("a correct sign-in still works, and each replica counts failures on its own", async () => {
    const { a, b } = replicas;
    const user = aUser("Grace");
    const signUp = await post(a, "/sign-up/email", user, "198.51.100.100");
    expect(signUp.status).toBe(200);

    await proxy.cut();
    const signedIn = await post(b, "/sign-in/email", user, "198.51.100.101");
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers
      .getSetCookie()
      .map((value) => value.split(";")[0])
      .join("; ");
    // The session is in the database, so both replicas know it without Redis.
    for (const web of [a, b]) {
      const session = await fetch(`${web.baseUrl}/api/auth/get-session`, { headers: { cookie } });
      expect(((await session.json()) as { user: { email: string } }).user.email).toBe(user.email);
    }

    // Per address: each replica lets the limit through, then refuses.
    for (const web of [a, b]) {
      const from = () => "198.51.100.110";
      expect(await guesses([web], maxAttempts, (i) => `outage-${i}@example.com`, from)).toEqual(
        allowedTimes(maxAttempts),
      );
      expect((await post(web, "/sign-in/email", wrong("outage-next@example.com"), from())).status).toBe(429);
    }
    // Per account, likewise.
    for (const web of [a, b]) {
      const victim = "outage-victim@example.com";
      expect(
        await guesses(
          [web],
          maxAttempts,
          () => victim,
          (i) => `198.51.100.${120 + i}`,
        ),
      ).toEqual(allowedTimes(maxAttempts));
      expect((await post(web, "/sign-in/email", wrong(victim), "198.51.100.140")).status).toBe(429);
    }
    // An address at its limit is refused even with the right password; from another one it gets through.
    expect((await post(a, "/sign-in/email", user, "198.51.100.110")).status).toBe(429);
    expect((await post(a, "/sign-in/email", user, "198.51.100.141")).status).toBe(200);

    // One warning per replica for the whole outage, then one line when Redis is back.
    await expect.poll(() => [linesSaying(a, unreachable), linesSaying(b, unreachable)]).toEqual([1, 1]);
    await proxy.restore();
    await expect
      .poll(() => [linesSaying(a, "Redis reachable again"), linesSaying(b, "Redis reachable again")], {
        timeout: 10_000,
      })
      .toEqual([1, 1]);
    expect([linesSaying(a, unreachable), linesSaying(b, unreachable)]).toEqual([1, 1]);
  });
});
