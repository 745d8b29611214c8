/**
 * Twilio's webhook signature (`X-Twilio-Signature`): Base64(HMAC-SHA1(key = auth token, message = the
 * full URL Twilio called + every POST parameter as name followed by value, names sorted)). The same
 * computation as twilio-node's `getExpectedTwilioSignature`, which a test checks on random inputs.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Form parameters by name; a name sent more than once has several values. */
export type TwilioParams = Record<string, string | readonly string[]>;

/** The signature Twilio sends for a POST of `params` to `url`. */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  // Default sort: by UTF-16 code units, as Twilio (and its SDKs) sort. Repeated values once each, sorted.
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = typeof value === "string" ? [value] : [...new Set(value)].sort();
    for (const each of values) data += name + each;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * Whether `header` is Twilio's signature for this request, compared in constant time. `url` is the URL
 * as Twilio called it: the configured public URL, never one rebuilt from the Host header, which the
 * caller controls. As Twilio's SDKs do, the URL is also tried with its default port spelled out (or left
 * out), since the two name the same endpoint; nothing else about the URL is forgiven.
 */
export function isValidTwilioSignature(
  authToken: string,
  header: string | undefined,
  url: string,
  params: TwilioParams,
): boolean {
  if (!header) return false;
  const presented = Buffer.from(header);
  return urlVariants(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    // The expected length is fixed by SHA-1 and Base64 (28), so checking it first reveals nothing.
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  });
}

const urlParts = /^(https?:\/\/)(\[[^\]]*\]|[^/?#:]*)(:\d+)?(.*)$/is;
const defaultPorts: Record<string, string> = { "http://": ":80", "https://": ":443" };

/** The URL as given, and with its default port added or removed. */
function urlVariants(url: string): string[] {
  const match = urlParts.exec(url);
  if (!match) return [url];
  const [, scheme, host, port, rest] = match;
  const defaultPort = defaultPorts[scheme!.toLowerCase()]!;
  if (port === undefined) return [url, `${scheme}${host}${defaultPort}${rest}`];
  if (port === defaultPort) return [url, `${scheme}${host}${rest}`];
  return [url];
}
