/**
 * better-auth's HTTP endpoints (/api/auth/*) behind checks of ours:
 * - a cross-site check: better-auth checks Origin only when a cookie is present; refusing every foreign
 *   state-changing request also stops login CSRF (being signed in to someone else's account);
 * - bodies bounded in size, and emails in RFC 5321's 254 octets, refused before any bookkeeping;
 * - the client's address resolved from the socket (and trusted proxies only), for better-auth's
 *   per-address limit (see client-address.ts);
 * - a per-account limit on wrong passwords, whatever the body's content type (see sign-in-guard.ts),
 *   counted in this process or, with Redis, across every replica.
 */
import "server-only";
import { isCrossSiteRequest } from "../request-origin";
import { noticingBusy } from "./auth-database";
import { emailInBody, maxEmailBytes, readBodyWithin } from "./auth-request";
import { clientAddressHeader } from "./client-address";
import type { SharedRedis } from "../redis/shared-redis";
import { createCounterStore, type CounterStore } from "./counter-store";
import { createRedisCounters } from "./redis-counters";
import { createSignInGuard } from "./sign-in-guard";
import { countSignIn } from "../metrics/sign-in-metrics";
import { traceSignIn } from "../tracing/trace-context";
import { localCounters } from "./window-counters";

/** The largest auth request body: a sign-up is a name, an email and a password (≤ 128 characters). */
export const maxAuthBodyBytes = 16 * 1024;

export interface AuthHandlerOptions {
  allowedOrigins: readonly string[];
  signIn: { maxAttempts: number; windowSeconds: number };
  /** The client's address from a request's headers (createClientAddressResolver). */
  clientAddress: (headers: Headers) => string | null;
  /** Bytes the failed-attempt counters may take (in this process). */
  storeMaxBytes: number;
  /** Where the failed-attempt counters are shared by every replica; this process's store is then the fallback. */
  redis?: SharedRedis | null;
}

/** The handler, with this process's failed-attempt counters in view (for tests and metrics). */
export type AuthHandler = ((request: Request) => Promise<Response>) & { failures: CounterStore };

/** Anything that answers auth requests: better-auth's `handler`. */
interface AuthEndpoints {
  handler(request: Request): Promise<Response>;
}

const refusal = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ message, code }, { status, headers });

const tooManyAttempts = (seconds: number) =>
  refusal(429, "TOO_MANY_REQUESTS", "Too many attempts. Please try again later.", {
    "Retry-After": String(seconds),
    "X-Retry-After": String(seconds),
  });

const emailEndpoints = ["/sign-in/email", "/sign-up/email"];

const busy = () =>
  refusal(503, "SERVICE_UNAVAILABLE", "Parley is busy right now. Please try again in a moment.", {
    "Retry-After": "2",
  });

/** better-auth's answer, or a 503 when its 500 came from the database pool refusing a connection. */
async function answer(auth: AuthEndpoints, request: Request): Promise<Response> {
  const { result, busy: refused } = await noticingBusy(() => auth.handler(request));
  return refused && result.status >= 500 ? busy() : result;
}

export function createAuthHandler(auth: AuthEndpoints, options: AuthHandlerOptions): AuthHandler {
  const failures = createCounterStore({ maxBytes: options.storeMaxBytes });
  const guard = createSignInGuard({
    maxFailures: options.signIn.maxAttempts,
    windowSeconds: options.signIn.windowSeconds,
    counters: options.redis
      ? createRedisCounters(options.redis, "auth-lockout:", failures)
      : localCounters(failures),
  });

  async function handle(request: Request): Promise<Response> {
    const post = request.method === "POST";
    if (request.method !== "GET" && isCrossSiteRequest(request.headers, options.allowedOrigins)) {
      return refusal(403, "FORBIDDEN", "Cross-site requests are not allowed.");
    }
    const headers = new Headers(request.headers);
    const client = options.clientAddress(request.headers);
    if (client) headers.set(clientAddressHeader, client);
    else headers.delete(clientAddressHeader);
    if (!post) return answer(auth, new Request(request, { headers }));

    const body = await readBodyWithin(request, maxAuthBodyBytes);
    if (body === null) return refusal(413, "PAYLOAD_TOO_LARGE", "The request is too large.");
    const forwarded = new Request(request.url, { method: "POST", headers, body });
    const path = new URL(request.url).pathname;
    if (!emailEndpoints.some((endpoint) => path.endsWith(endpoint))) return answer(auth, forwarded);

    const found = emailInBody(request.headers.get("content-type"), body);
    if (found.kind === "unsupported-type") {
      return refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON or a form.");
    }
    if (found.kind === "ambiguous") return refusal(400, "BAD_REQUEST", "Send one email address.");
    if (found.kind === "none") return answer(auth, forwarded);
    if (Buffer.byteLength(found.email) > maxEmailBytes) {
      return refusal(400, "EMAIL_TOO_LONG", `An email address has at most ${maxEmailBytes} characters.`);
    }
    if (!path.endsWith("/sign-in/email")) return answer(auth, forwarded);
    return traceSignIn(() => signIn(found.email, forwarded));
  }

  /** An email sign-in under the per-account limit, counted and remembered by how it ended. */
  async function signIn(email: string, forwarded: Request): Promise<Response> {
    const attempt = await guard.begin(email);
    if ("retryAfter" in attempt) {
      countSignIn("locked-account");
      return tooManyAttempts(attempt.retryAfter);
    }
    let response: Response;
    try {
      response = await answer(auth, forwarded);
    } catch (error) {
      await attempt.uncounted();
      throw error;
    }
    countSignIn(response.status === 401 ? "failed" : response.status === 429 ? "locked-address" : "other");
    if (response.status === 401) await attempt.failed();
    else if (response.ok) await attempt.succeeded();
    else await attempt.uncounted();
    return response;
  }

  return Object.assign(handle, { failures });
}
