/**
 * One JSON log line whose own keys fields cannot overwrite, with every string bounded and scrubbed of
 * secrets. Upstream errors' texts end up in fields (and some in messages); they are neither trusted to be
 * short nor to be free of the credentials a client library may echo back.
 */

export const maxLoggedLength = 2000;
const maxDepth = 4;
const maxKeys = 50;
const redacted = "[redacted]";

/** Keys whose values are credentials whatever they look like. */
const secretKey =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|password|secret|(?:access|refresh|auth)[-_]?token|token)$/i;

/**
 * What a credential looks like inside free text. Each starts with a literal, and what follows is one
 * character class or a bounded run, so the scan is linear (and texts are cut to `maxLoggedLength` first).
 */
const secretPatterns = [
  // `Bearer abc…`, `Basic abc…` (an Authorization header's value)
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${redacted}`],
  // OpenAI-style keys: sk-…, sk-proj-…
  [/\bsk-[A-Za-z0-9_-]{6,}/g, `sk-${redacted}`],
  // `authorization: …`, `"api_key":"…"`, `token=…`, `password=…`
  [
    /\b(authorization|x-api-key|api[-_]?key|apikey|access[-_]?token|auth[-_]?token|token|password|secret)(["']?[^\S\n]{0,20}[:=][^\S\n]{0,20}["']?)(?:(?:Bearer|Basic)[^\S\n]+)?[^\s"',;&}]+/gi,
    `$1$2${redacted}`,
  ],
];

export function truncate(text, max = maxLoggedLength) {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…[${text.length - end} more characters]`;
}

export function scrubSecrets(text) {
  let scrubbed = text;
  for (const [pattern, replacement] of secretPatterns) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

function safeString(text) {
  return scrubSecrets(truncate(text));
}

function safeValue(value, depth) {
  if (typeof value === "string") return safeString(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (value === undefined) return undefined;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return safeString(`${value.name}: ${value.message}`);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== "object" || depth >= maxDepth) return safeString(String(value));
  if (Array.isArray(value)) return value.slice(0, maxKeys).map((item) => safeValue(item, depth + 1));
  const out = {};
  for (const [key, item] of Object.entries(value).slice(0, maxKeys)) {
    out[key] = secretKey.test(key) ? redacted : safeValue(item, depth + 1);
  }
  return out;
}

export function logLine(entry, base = {}, fields = {}) {
  const line = { time: entry.time, level: entry.level, message: safeString(entry.message) };
  for (const [key, value] of Object.entries(base)) if (!(key in line)) line[key] = safeValue(value, 0);
  for (const [key, value] of Object.entries(fields ?? {}).slice(0, maxKeys)) {
    const name = key in line ? `field.${key}` : key;
    line[name] = secretKey.test(key) ? redacted : safeValue(value, 0);
  }
  return JSON.stringify(line);
}

/**
 * For events a caller can repeat at will (refused connections, webhooks, a busy pool): the first of a
 * kind is logged at once, then at most one line per interval says how many more came meanwhile, so a
 * flood cannot flood the log. Kinds are our own reasons (a fixed set), never caller input.
 */
export function createRateLimitedWarn(warn, options = {}) {
  const intervalMs = options.intervalMs ?? 10_000;
  const suppressed = new Map();

  const closeInterval = (kind) => {
    const pending = suppressed.get(kind);
    if (!pending || pending.count === 0) {
      suppressed.delete(kind);
      return;
    }
    warn(`${pending.message} (${pending.count} more in the last ${intervalMs / 1000} s)`, {
      kind,
      suppressed: pending.count,
    });
    pending.count = 0;
    openInterval(kind);
  };
  const openInterval = (kind) => {
    // Unref'd: a pending count must not keep a stopping process alive.
    setTimeout(() => closeInterval(kind), intervalMs).unref();
  };

  return (kind, message, fields) => {
    const pending = suppressed.get(kind);
    if (pending) {
      pending.count++;
      return;
    }
    suppressed.set(kind, { count: 0, message });
    warn(message, { kind, ...fields });
    openInterval(kind);
  };
}
