/**
 * better-auth's HTTP endpoints (/api/auth/*) behind two checks of ours:
 * - a cross-site check: better-auth checks Origin only when a cookie is present; refusing every foreign
 *   state-changing request also stops login CSRF (being signed in to someone else's account);
 * - a per-account limit on wrong passwords (see sign-in-guard.ts).
 */
import "server-only";
import { isCrossSiteRequest } from "../request-origin";
import type { Auth } from "./create-auth";
import { createSignInGuard } from "./sign-in-guard";

export interface AuthHandlerOptions {
  allowedOrigins: readonly string[];
  signIn: { maxAttempts: number; windowSeconds: number };
}

const forbidden = () =>
  Response.json({ message: "Cross-site requests are not allowed.", code: "FORBIDDEN" }, { status: 403 });

const tooManyAttempts = (seconds: number) =>
  Response.json(
    { message: "Too many attempts. Please try again later.", code: "TOO_MANY_REQUESTS" },
    { status: 429, headers: { "Retry-After": String(seconds), "X-Retry-After": String(seconds) } },
  );

async function emailOf(request: Request): Promise<string | null> {
  try {
    const body = (await request.clone().json()) as { email?: unknown };
    return typeof body.email === "string" ? body.email : null;
  } catch {
    return null;
  }
}

export function createAuthHandler(auth: Auth, options: AuthHandlerOptions) {
  const guard = createSignInGuard({
    maxFailures: options.signIn.maxAttempts,
    windowSeconds: options.signIn.windowSeconds,
  });
  return async (request: Request): Promise<Response> => {
    if (request.method !== "GET" && isCrossSiteRequest(request.headers, options.allowedOrigins)) {
      return forbidden();
    }
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/sign-in/email")) {
      return auth.handler(request);
    }
    const email = await emailOf(request);
    const wait = email ? guard.retryAfter(email) : null;
    if (wait !== null) return tooManyAttempts(wait);
    const response = await auth.handler(request);
    if (email && response.status === 401) guard.recordFailure(email);
    if (email && response.ok) guard.recordSuccess(email);
    return response;
  };
}
