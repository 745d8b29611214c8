/**
 * What a fuzzed response may be, and what it may have written. Statuses come from the documented
 * tables: chat.proto's codes for RPCs (INTERNAL only for a misconfigured upstream, so never here), the
 * README's HTTP statuses for `POST /chat` and the webhook. Requests that are not RPCs at all (an unknown
 * path, a method other than POST, a content type no protocol uses, malformed HTTP) get the protocol's own
 * answer from Connect or Node: 404, 405, 415, 400, 431.
 */
import type { Generated } from "./targets.js";
import type { Outcome } from "./wire.js";

/** chat.proto's table, plus UNIMPLEMENTED for a path that names no RPC. */
const documentedCodes = new Set([
  "ok",
  "invalid_argument",
  "unauthenticated",
  "resource_exhausted",
  "not_found",
  "failed_precondition",
  "unavailable",
  "deadline_exceeded",
  "unimplemented",
]);
const protocolHttpStatuses = new Set([400, 404, 405, 408, 413, 415, 431]);

/** The status to count the response under: an RPC code, `http-<n>`, or `transport:<what>`. */
export function statusOf(generated: Generated, outcome: Outcome): string {
  if (outcome.transportError !== undefined && outcome.httpStatus === null) {
    return outcome.transportError === "client-timeout" ? "transport:client-timeout" : "transport:reset";
  }
  if (outcome.code !== null) return outcome.code;
  const contentType = generated.request.headers["content-type"] ?? "";
  const unary = /^application\/(json|proto)/.test(contentType);
  if (generated.rpc && outcome.httpStatus === 200 && unary) return "ok";
  return `http-${outcome.httpStatus}`;
}

/** Why this status is not one the request may get, or null when it may. */
export function statusProblem(generated: Generated, outcome: Outcome, status: string): string | null {
  if (outcome.transportError !== undefined && outcome.httpStatus !== null) return outcome.transportError;
  if (status === "transport:client-timeout") return null;
  if (status === "transport:reset") return `the connection failed: ${outcome.transportError}`;
  if (generated.httpStatuses) {
    return generated.httpStatuses.includes(outcome.httpStatus!) ||
      protocolHttpStatuses.has(outcome.httpStatus!)
      ? null
      : `HTTP ${outcome.httpStatus} is not in the endpoint's documented statuses`;
  }
  if (status.startsWith("http-")) {
    return protocolHttpStatuses.has(outcome.httpStatus!)
      ? null
      : `HTTP ${outcome.httpStatus} with no RPC status`;
  }
  return documentedCodes.has(status) ? null : `${status.toUpperCase()} is not in chat.proto's table`;
}

/** Whether an accepted request may have written: surely, maybe (it may have got in before failing), or not. */
export function wroteOf(generated: Generated, outcome: Outcome, status: string): "yes" | "maybe" | "no" {
  if (!generated.writes) return "no";
  if (outcome.started.length > 0 || outcome.chatId !== undefined) return "yes";
  if (generated.httpStatuses && outcome.httpStatus === 200) return "yes";
  const maybe = [
    "deadline_exceeded",
    "unavailable",
    "canceled",
    "http-503",
    "http-500",
    "transport:client-timeout",
  ];
  return maybe.includes(status) || status.startsWith("transport:") ? "maybe" : "no";
}
