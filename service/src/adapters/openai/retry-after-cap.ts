/**
 * The SDK waits out any `retry-after` an upstream sends (this version has no ceiling), in a sleep our
 * abort signal cannot cut short. A quota error saying "retry in an hour" would park the reply for an
 * hour. This fetch wrapper turns such answers into "do not retry" (`x-should-retry: false`, which the SDK
 * obeys), so the caller fails fast with `upstream.unavailable` instead.
 */
import type { ClientOptions } from "openai";
import { requestedDelayMs } from "../retry-after.js";

type Fetch = NonNullable<ClientOptions["fetch"]>;

/** Wraps `fetchImpl` so error responses asking for a wait longer than `maxDelayMs` are not retried. */
export function capRetryAfter(maxDelayMs: number, fetchImpl: Fetch = fetch): Fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.ok) return response;
    const delayMs = requestedDelayMs(response.headers);
    if (delayMs === undefined || delayMs <= maxDelayMs) return response;
    const headers = new Headers(response.headers);
    headers.set("x-should-retry", "false");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
