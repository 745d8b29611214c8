/**
 * Cross-site request checks for our route handlers (Next protects only Server Actions). A request whose
 * `Origin` is not one of ours, or that the browser labels cross-site (`Sec-Fetch-Site`), is refused.
 * Requests with neither header come from non-browser clients, which cannot ride on a user's cookies.
 */

export function isCrossSiteRequest(headers: Headers, allowedOrigins: readonly string[]): boolean {
  const origin = headers.get("origin");
  // An opaque origin ("null": sandboxed frames, some redirects) is never one of ours.
  if (origin !== null) return !allowedOrigins.includes(origin);
  const site = headers.get("sec-fetch-site");
  return site === "cross-site" || site === "same-site";
}

/** A top-level navigation (a link or a form) must never reach the API: it could carry Lax cookies. */
export function isNavigation(headers: Headers): boolean {
  return headers.get("sec-fetch-mode") === "navigate";
}
