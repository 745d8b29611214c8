/**
 * A local fake of Twilio's Messages API: a real HTTP server on port 0 that takes
 * `POST /2010-04-01/Accounts/{sid}/Messages.json` (form body, basic auth) the way Twilio does, records
 * every request, and can be told to fail the next ones with a status, a Twilio error code and a
 * `Retry-After`. Wrong credentials get Twilio's 401 (code 20003).
 *
 * ```ts
 * const twilio = await startFakeTwilio({ accountSid, authToken });
 * twilio.fail({ status: 503 }, { status: 400, code: 21617 });
 * const [first] = await twilio.waitForMessages(1);
 * ```
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

export interface FakeTwilioRequest {
  accountSid: string;
  authorization: string | undefined;
  from: string;
  to: string;
  body: string;
  /** The status the fake answered with. */
  status: number;
  receivedAt: number;
  respondedAt: number;
}

/** How the next request fails. */
export interface Failure {
  status: number;
  /** Twilio's error code, e.g. 21617 (body too long), 63016 (outside the 24-hour window). */
  code?: number;
  message?: string;
  /** Sent as `Retry-After`. */
  retryAfter?: string;
}

export interface FakeTwilio {
  /** The base URL to configure as the API's (TWILIO_API_BASE_URL). */
  url: string;
  /** Every request, failed ones included, in arrival order. */
  requests: FakeTwilioRequest[];
  /** The messages Twilio accepted (201), in order. */
  readonly messages: FakeTwilioRequest[];
  /** Queues what the next requests get, one each: a failure, or "accept"; then it accepts again. */
  fail(...outcomes: (Failure | "accept")[]): void;
  /** Delay before answering each request, in ms. */
  delayMs: number;
  /** Resolves with the accepted messages once there are at least `count`; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<FakeTwilioRequest[]>;
  reset(): void;
  close(): Promise<void>;
}

const messagesPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

export async function startFakeTwilio(credentials: {
  accountSid: string;
  authToken: string;
}): Promise<FakeTwilio> {
  const expectedAuthorization = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString("base64")}`;
  const outcomes: (Failure | "accept")[] = [];
  const changed = new Set<() => void>();

  const server = createServer(async (req, res) => {
    const receivedAt = performance.now();
    const form = new URLSearchParams(await readText(req));
    const sid = messagesPath.exec(req.url ?? "")?.[1];
    if (req.method !== "POST" || sid === undefined) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(
        JSON.stringify({ code: 20404, message: "The requested resource was not found", status: 404 }),
      );
    }
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    const authorized = sid === credentials.accountSid && req.headers.authorization === expectedAuthorization;
    const outcome = authorized ? outcomes.shift() : { status: 401, code: 20003, message: "Authenticate" };
    const failure = outcome === "accept" ? undefined : outcome;
    const request: FakeTwilioRequest = {
      accountSid: sid,
      authorization: req.headers.authorization,
      from: form.get("From") ?? "",
      to: form.get("To") ?? "",
      body: form.get("Body") ?? "",
      status: failure?.status ?? 201,
      receivedAt,
      respondedAt: performance.now(),
    };
    fake.requests.push(request);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (failure?.retryAfter !== undefined) headers["retry-after"] = failure.retryAfter;
    res.writeHead(request.status, headers);
    res.end(JSON.stringify(failure ? errorBody(failure) : messageResource(request)));
    for (const listener of changed) listener();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeTwilio = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    get messages() {
      return fake.requests.filter((request) => request.status === 201);
    },
    delayMs: 0,
    fail: (...more) => void outcomes.push(...more),
    waitForMessages(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (fake.messages.length < count) return;
          done();
          resolve(fake.messages);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`the fake Twilio got ${fake.messages.length} of ${count} messages`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          changed.delete(check);
        };
        changed.add(check);
        check();
      });
    },
    reset() {
      fake.requests = [];
      outcomes.length = 0;
      fake.delayMs = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}

function errorBody(failure: Failure) {
  return {
    code: failure.code ?? failure.status * 100,
    message: failure.message ?? `Failure ${failure.status}`,
    more_info: `https://www.twilio.com/docs/errors/${failure.code ?? ""}`,
    status: failure.status,
  };
}

function messageResource(request: FakeTwilioRequest) {
  return {
    sid: `SM${randomBytes(16).toString("hex")}`,
    account_sid: request.accountSid,
    from: request.from,
    to: request.to,
    body: request.body,
    status: "queued",
    num_segments: "1",
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
