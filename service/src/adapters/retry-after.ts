/** Reading how long an HTTP error response asks the client to wait before retrying. */

/**
 * The wait in ms from `retry-after-ms` (OpenAI-style, read first) or `retry-after` (seconds or an HTTP
 * date); undefined when neither says.
 */
export function requestedDelayMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (!Number.isNaN(ms)) return ms;
  const retryAfter = headers.get("retry-after");
  if (retryAfter === null) return undefined;
  const seconds = Number.parseFloat(retryAfter);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : date - Date.now();
}
