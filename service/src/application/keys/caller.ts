/**
 * Who is calling, and the user a call acts for. The service token is a trusted back end (the web app,
 * WhatsApp, the admin CLI) that names the user; a personal API key is a person, who acts as themselves.
 */
import { keyNotAllowed, keyUserMismatch } from "../../domain/errors.js";

export type Caller = { kind: "service" } | { kind: "key"; userId: string; keyId: string };

export const serviceCaller: Caller = { kind: "service" };

/**
 * The user a request acts for: the named `user_id` for the service token; for a key, its own user when
 * `user_id` is empty or names it, and `key.user_mismatch` when it names anyone else.
 */
export function actingUserId(caller: Caller, requested: string): string {
  if (caller.kind === "service") return requested;
  if (requested === "" || requested === caller.userId) return caller.userId;
  throw keyUserMismatch();
}

/** Managing keys is for the service token only (the web app's back end, the admin CLI). */
export function requireServiceCaller(caller: Caller): void {
  if (caller.kind !== "service") throw keyNotAllowed();
}
