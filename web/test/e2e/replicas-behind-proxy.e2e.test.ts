/**
 * Parley as replicas behind the real proxy: HAProxy with the committed deploy/haproxy/haproxy.cfg in
 * front of two service processes on one database and two web processes on one web database (whose own
 * calls to the service go through the proxy too), all sharing one Redis key prefix. gRPC streams over h2c
 * spread over both service replicas, Connect JSON works over HTTP/1.1 on the same port, SSE from either
 * web replica reaches the client while the answer is still being written, and the sign-in limit sees the
 * client's address, not the proxy's, and counts the attempts of both web replicas together (in Redis).
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { startServiceProcess, type ServiceProcess } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplyStatus } from "@parley/gen/parley/chat/v1/chat_pb";
import { codePointLength } from "~/lib/code-points";
import { createChatServiceClient } from "~/server/service/chat-service-client";
import { startHaproxy, type TestProxy } from "../support/haproxy-process";
import { testRedisPrefix, testRedisUrl, type TestRedisPrefix } from "../support/redis-prefix";
import { dropDatabase, queryDatabase, uniqueDatabase } from "../support/test-databases";
import { freePort } from "../support/web-process";
import { startWebReplicas, type WebReplicas } from "../support/web-replicas";

const serviceDatabase = uniqueDatabase("svc");
const token = randomBytes(16).toString("hex");
/** This file's keys in the test Redis, deleted afterwards. */
let redisKeys: TestRedisPrefix;
const services: ServiceProcess[] = [];
let webs: WebReplicas;
let proxy: TestProxy;

beforeAll(async () => {
  redisKeys = testRedisPrefix();
  // Shared by every process, as in a real deployment.
  const redis = { REDIS_URL: testRedisUrl, REDIS_KEY_PREFIX: redisKeys.prefix };
  const ports = {
    proxy: { service: await freePort(), web: await freePort() },
    services: [await freePort(), await freePort()] as const,
    webs: [await freePort(), await freePort()] as const,
  };
  // The proxy first, as a deployment may start it: its health checks find nothing and mark every
  // server DOWN; once the replicas run, the checks must bring each one UP.
  proxy = await startHaproxy(ports.proxy, {
    services: [`127.0.0.1:${ports.services[0]}`, `127.0.0.1:${ports.services[1]}`],
    webs: [`127.0.0.1:${ports.webs[0]}`, `127.0.0.1:${ports.webs[1]}`],
  });
  await proxy.untilServers("DOWN");
  // One after the other: the first applies the migrations, the second finds them done.
  for (const port of ports.services) {
    services.push(
      await startServiceProcess({
        env: {
          PORT: String(port),
          DATABASE_URL: serviceDatabase.url,
          AUTH_TOKEN: token,
          // ~70 words over ~1.5 s: a first delta always comes long before the end.
          SIMULATOR_PACE_MS: "20",
          // Every connection comes from the proxy's address.
          MAX_CONNECTIONS_PER_ADDRESS: "0",
          NODE_ENV: "production",
          ...redis,
        },
      }),
    );
  }
  webs = await startWebReplicas(
    { url: proxy.serviceUrl, token },
    { BETTER_AUTH_URL: proxy.webUrl, TRUSTED_PROXIES: "127.0.0.1", SIGN_IN_MAX_ATTEMPTS: "3", ...redis },
    { ports: ports.webs },
  );
  await proxy.untilServers("UP");
});

afterAll(async () => {
  await proxy?.stop();
  await webs?.stop();
  for (const service of services) await service.stop();
  await dropDatabase(serviceDatabase.name);
  await redisKeys?.cleanUp();
});

/** The web replica (`web/web-1` or `web/web-2`) that served each logged request matching `request`. */
const servedBy = (request: RegExp, client = "127.0.0.1") =>
  proxy
    .requests()
    .filter((logged) => logged.client === client && request.test(logged.request))
    .map(({ server }) => server);

interface Row {
  status: string;
  owner: string | null;
}

/** A reply's row as the service stored it; `owner` is the process generating it while it streams. */
async function replyRow(replyId: string): Promise<Row> {
  const [row] = await queryDatabase<Row>(
    serviceDatabase.url,
    "SELECT status, owner FROM messages WHERE id = ?",
    [replyId],
  );
  if (!row) throw new Error(`no reply ${replyId}`);
  return row;
}

interface StreamedReply {
  chatId: string;
  userId: string;
  text: string;
  /** The reply's row when the first delta arrived. */
  atFirstDelta: Row;
  finished: { status: ReplyStatus; length: number };
}

describe("the chat service through the proxy", () => {
  const streamed: StreamedReply[] = [];

  it("streams every gRPC reply (h2c) in full, the calls spread over both replicas", async () => {
    const client = createChatServiceClient({ baseUrl: proxy.serviceUrl, token });
    const send = async (n: number): Promise<StreamedReply> => {
      const userId = `proxy-user-${n}`;
      let chatId = "";
      let replyId = "";
      let text = "";
      let atFirstDelta: Row | undefined;
      let finished: StreamedReply["finished"] | undefined;
      for await (const { event } of client.sendMessage({ userId, text: `Question number ${n}` })) {
        if (event?.kind.case === "started") ({ chatId, replyId } = event.kind.value);
        if (event?.kind.case === "delta") {
          atFirstDelta ??= await replyRow(replyId);
          text += event.kind.value.text;
        }
        if (event?.kind.case === "finished") finished = event.kind.value;
      }
      if (!atFirstDelta || !finished) throw new Error(`reply ${n} had no delta or no end`);
      return { chatId, userId, text, atFirstDelta, finished };
    };
    // All on one HTTP/2 connection to the proxy, which balances each stream on its own.
    streamed.push(...(await Promise.all([1, 2, 3, 4].map(send))));

    for (const reply of streamed) {
      expect(reply.finished).toMatchObject({
        status: ReplyStatus.COMPLETE,
        length: codePointLength(reply.text),
      });
      expect(reply.text.length).toBeGreaterThan(100);
      expect(reply.atFirstDelta.status).toBe("streaming");
    }
    // Each process generates under its own owner id: round robin gave each replica two of the four.
    const perOwner = new Map<string | null, number>();
    for (const { atFirstDelta } of streamed) {
      perOwner.set(atFirstDelta.owner, (perOwner.get(atFirstDelta.owner) ?? 0) + 1);
    }
    expect([...perOwner.values()]).toEqual([2, 2]);
    expect(perOwner.has(null)).toBe(false);
  });

  it("answers Connect JSON over HTTP/1.1 on the same port, whichever replica stored the chat", async () => {
    expect(streamed).toHaveLength(4);
    for (const reply of streamed) {
      const response = await fetch(`${proxy.serviceUrl}/parley.chat.v1.ChatService/GetChat`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ userId: reply.userId, chatId: reply.chatId }),
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { messages: { role: string; content: string }[] };
      expect(page.messages.map(({ role }) => role)).toEqual(["ROLE_USER", "ROLE_ASSISTANT"]);
      expect(page.messages[1]!.content).toBe(reply.text);
    }
  });
});

describe("the web app through the proxy", () => {
  async function signUp(): Promise<string> {
    const response = await fetch(`${proxy.webUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: proxy.webUrl },
      body: JSON.stringify({
        name: "Proxy",
        email: `proxy-${randomBytes(4).toString("hex")}@example.com`,
        password: "a good password",
      }),
    });
    expect(response.status).toBe(200);
    return response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";", 1)[0])
      .join("; ");
  }

  /** A live answer over SSE through the proxy, read up to its first delta. */
  async function startAnswer(cookie: string, text: string) {
    const input = encodeURIComponent(JSON.stringify({ text }));
    const response = await fetch(`${proxy.webUrl}/api/trpc/chat.send?input=${input}`, {
      headers: { cookie, accept: "text/event-stream", "accept-encoding": "gzip, deflate, br" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("content-encoding")).toBeNull();
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    while (!received.includes('"type":"delta"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a delta:\n${received}`);
      received += value;
    }
    const replyId = /^id: ([\w-]+):\d+$/m.exec(received)![1]!;
    return {
      replyId,
      received,
      /** Everything the stream sent, once it has ended. */
      async rest() {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return received;
          received += value;
        }
      },
    };
  }

  it("streams SSE unbuffered and uncompressed from either web replica: the first delta arrives while the answer is being written", async () => {
    const cookie = await signUp();
    // The first stream is still open when the second comes: the proxy sends that one to the other replica.
    const answers = [];
    for (const text of ["Through the proxy, please", "And once more, please"]) {
      const answer = await startAnswer(cookie, text);
      // Ordering, not timing: the service has not finished the answer the client already reads from.
      expect(answer.received).not.toContain('"type":"finished"');
      expect((await replyRow(answer.replyId)).status).toBe("streaming");
      answers.push(answer);
    }

    for (const answer of answers) {
      const received = await answer.rest();
      expect(received).toContain('"type":"finished"');
      expect(received).toContain('"status":"complete"');
      expect((await replyRow(answer.replyId)).status).toBe("complete");
    }
    await expect
      .poll(() => servedBy(/^GET \/api\/trpc\/chat\.send\?/).sort())
      .toEqual(["web/web-1", "web/web-2"]);
  });

  it("tells the sign-in limit each client's own address, whatever X-Forwarded-For a client sends, and counts on both web replicas", async () => {
    /** A sign-in attempt through the proxy from a given loopback address (fetch cannot choose one). */
    const signInFrom = (localAddress: string, n: number) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ email: `guess-${n}@example.com`, password: "guessing..." });
        const url = new URL(`${proxy.webUrl}/api/auth/sign-in/email`);
        const sent = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: "POST",
            localAddress,
            agent: false,
            headers: {
              "content-type": "application/json",
              origin: proxy.webUrl,
              // Forged: the proxy appends the real peer to its right, and only that is believed.
              "x-forwarded-for": `192.0.2.${n}`,
            },
          },
          (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
          },
        );
        sent.on("error", reject);
        sent.end(body);
      });

    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) statuses.push(await signInFrom("127.0.0.2", n));
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Both web replicas took attempts before the limit: alone, neither would have seen 3 of them.
    const signIns = /^POST \/api\/auth\/sign-in\/email /;
    await expect.poll(() => servedBy(signIns, "127.0.0.2")).toHaveLength(4);
    expect(new Set(servedBy(signIns, "127.0.0.2").slice(0, 3))).toEqual(new Set(["web/web-1", "web/web-2"]));
    // Counted once, under the client's own address, in the Redis both replicas share.
    expect(await redisKeys.keys("*127.0.0.2*")).toEqual(["auth:127.0.0.2|/sign-in/email"]);
    // Another client, through the same proxy, is not limited by the first one's attempts.
    expect(await signInFrom("127.0.0.3", 10)).toBe(401);
  });
});
