/**
 * Reading an auth request's body once, within a bound, and the email in it, as better-auth will read it:
 * JSON or an HTML form (`application/x-www-form-urlencoded`, what a form posted without script sends).
 * Whatever content type a request uses, the email our lockout counts is the one better-auth checks.
 */
import "server-only";

/** The content types better-auth's email endpoints accept; anything else is refused with 415. */
export const emailBodyTypes = ["application/json", "application/x-www-form-urlencoded"] as const;

/** The longest email address (RFC 5321: a path of 256 octets, less the angle brackets). */
export const maxEmailBytes = 254;

/** The body, or null when it is longer than `maxBytes` (read no further than that). */
export async function readBodyWithin(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

export type EmailInBody =
  | { kind: "email"; email: string }
  /** No usable email: better-auth answers (400) and nothing is counted. */
  | { kind: "none" }
  | { kind: "unsupported-type" }
  /** Two `email` fields in one form: which one counts would depend on the parser. */
  | { kind: "ambiguous" };

/** The `email` field of a JSON or form body. */
export function emailInBody(contentType: string | null, body: Uint8Array): EmailInBody {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const text = new TextDecoder().decode(body);
  if (type === "application/json") {
    try {
      // JSON.parse keeps the last of repeated keys, as better-auth's parser (the same function) does.
      const parsed = JSON.parse(text) as { email?: unknown } | null;
      return typeof parsed?.email === "string" ? { kind: "email", email: parsed.email } : { kind: "none" };
    } catch {
      return { kind: "none" };
    }
  }
  if (type === "application/x-www-form-urlencoded") {
    const emails = new URLSearchParams(text).getAll("email");
    if (emails.length > 1) return { kind: "ambiguous" };
    return emails[0] === undefined ? { kind: "none" } : { kind: "email", email: emails[0] };
  }
  return { kind: "unsupported-type" };
}
