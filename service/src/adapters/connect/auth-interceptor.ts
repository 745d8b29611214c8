/**
 * Bearer-token auth for every RPC except health (load balancers and orchestrators probe it without
 * credentials). Accepts `Bearer <token>` and the raw token, as the original clients send it. The
 * comparison is constant-time over SHA-256 digests, so neither content nor length leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

const openServices = new Set(["grpc.health.v1.Health"]);

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Whether an `authorization` header value carries the token. The scheme is case-insensitive (RFC 9110). */
export function tokenMatches(header: string | null, expected: Buffer): boolean {
  if (!header) return false;
  const presented = /^bearer /i.test(header) ? header.slice("Bearer ".length) : header;
  return timingSafeEqual(digest(presented), expected);
}

export function createAuthInterceptor(token: string): Interceptor {
  const expected = digest(token);
  return (next) => async (request) => {
    if (
      !openServices.has(request.service.typeName) &&
      !tokenMatches(request.header.get("authorization"), expected)
    ) {
      throw new ConnectError(
        "missing or wrong token: send `authorization: Bearer <token>`",
        Code.Unauthenticated,
      );
    }
    return next(request);
  };
}

/** The same check for plain HTTP endpoints (`/chat`). */
export function createTokenCheck(token: string | null): (header: string | undefined) => boolean {
  if (token === null) return () => true;
  const expected = digest(token);
  return (header) => tokenMatches(header ?? null, expected);
}
