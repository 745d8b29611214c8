/**
 * Authentication for every RPC except health (load balancers and orchestrators probe it without
 * credentials), and for `POST /chat`. `authorization` carries either the service token (a trusted back
 * end that names the `user_id`) or a personal API key (`pk_...`, acting as its user); `Bearer <value>`
 * and the raw value are both accepted, as the original clients send the raw token. The token is compared
 * in constant time over SHA-256 digests, so neither content nor length leaks through timing; keys are
 * verified by the ApiKeyVerifier (constant-time hash comparison, short cache).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { ApiKeyVerifier, KeyVerification } from "../../application/keys/api-key-verifier.js";
import { serviceCaller, type Caller } from "../../application/keys/caller.js";
import { looksLikeKey } from "../../application/keys/key-secret.js";
import { callerKey } from "./caller-context.js";

const openServices = new Set(["grpc.health.v1.Health"]);

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Who is calling, or why they are refused (a message safe to send). */
export type Authentication = { ok: true; caller: Caller } | { ok: false; message: string };

export type Authenticate = (header: string | null | undefined) => Promise<Authentication>;

const wrongToken = "missing or wrong token: send `authorization: Bearer <token or API key>`";
const keyRefusals: Record<Exclude<KeyVerification, { ok: true }>["reason"], string> = {
  unknown: "unknown API key: check it, or create a new one",
  revoked: "this API key has been revoked: create a new one",
  expired: "this API key has expired: create a new one",
};

/** The credential in an `authorization` value. The scheme is case-insensitive (RFC 9110). */
function presented(header: string): string {
  return /^bearer /i.test(header) ? header.slice("Bearer ".length) : header;
}

/**
 * `token` null: the service runs open (development only): any caller is trusted as the service token,
 * except that a personal key, when sent, is still verified and acts as its user.
 */
export function createAuthenticator(token: string | null, keys: ApiKeyVerifier): Authenticate {
  const expected = token === null ? null : digest(token);
  return async (header) => {
    const credential = header ? presented(header) : "";
    if (expected && timingSafeEqual(digest(credential), expected)) return { ok: true, caller: serviceCaller };
    if (looksLikeKey(credential)) {
      const verified = await keys.verify(credential);
      if (!verified.ok) return { ok: false, message: keyRefusals[verified.reason] };
      return { ok: true, caller: { kind: "key", userId: verified.userId, keyId: verified.keyId } };
    }
    if (expected === null) return { ok: true, caller: serviceCaller };
    return { ok: false, message: wrongToken };
  };
}

/** Authenticates every call but health's, and puts the caller in the call's context values. */
export function createAuthInterceptor(authenticate: Authenticate): Interceptor {
  return (next) => async (request) => {
    if (openServices.has(request.service.typeName)) return next(request);
    const result = await authenticate(request.header.get("authorization"));
    if (!result.ok) throw new ConnectError(result.message, Code.Unauthenticated);
    request.contextValues.set(callerKey, result.caller);
    return next(request);
  };
}
