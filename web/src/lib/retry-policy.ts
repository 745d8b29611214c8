/**
 * Whether asking again may help, from what the BFF said about a failure: the chat service's stable
 * reason when it gave one (`data.reason`, from `google.rpc.ErrorInfo`), else the tRPC code.
 */

/** Reasons that name a passing condition: the service or its model or database will be back. */
const transientReasons = new Set([
  "service.shutting_down",
  "upstream.unavailable",
  "upstream.interrupted",
  "storage.unavailable",
  "hub.unavailable",
]);

/** tRPC codes that asking again will not change (used when there is no reason). */
const finalCodes = new Set(["NOT_FOUND", "UNAUTHORIZED", "BAD_REQUEST", "FORBIDDEN", "CONFLICT"]);

export interface FailureFacts {
  code: string | null;
  reason: string | null;
}

export function isWorthRetrying({ code, reason }: FailureFacts): boolean {
  if (reason !== null) return transientReasons.has(reason);
  return !finalCodes.has(code ?? "");
}
