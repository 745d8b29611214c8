/**
 * Headers on every response of the web app: Next adds them to what it serves (next.config.ts), and the
 * routes the Node server answers itself (node-routes.ts) add the same.
 */
export const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'" },
] as const;
