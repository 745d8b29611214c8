// Beside the code would be the usual place; it lives in test/ because only tests may import the twilio package.
import fc from "fast-check";
// Twilio's own implementation (the `twilio` package is a devDependency, for this cross-check only).
import { getExpectedTwilioSignature, validateRequest } from "twilio/lib/webhooks/webhooks.js";
import { describe, expect, it } from "vitest";
import {
  isValidTwilioSignature,
  twilioSignature,
  type TwilioParams,
} from "../../src/adapters/twilio/twilio-signature.js";

// Twilio's published example (docs.twilio.com, "Webhooks security").
const vector = {
  authToken: "12345",
  url: "https://mycompany.com/myapp.php?foo=1&bar=2",
  params: {
    CallSid: "CA1234567890ABCDE",
    Caller: "+12349013030",
    Digits: "1234",
    From: "+12349013030",
    To: "+18005551212",
  },
  signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
};

describe("Twilio's published test vector", () => {
  it("computes the published signature", () => {
    expect(twilioSignature(vector.authToken, vector.url, vector.params)).toBe(vector.signature);
  });

  it("validates it, and nothing that differs from it", () => {
    const valid = (overrides: Partial<Omit<typeof vector, "params">> & { params?: TwilioParams } = {}) => {
      const { authToken, signature, url, params } = { ...vector, ...overrides };
      return isValidTwilioSignature(authToken, signature, url, params);
    };
    expect(valid()).toBe(true);
    expect(valid({ authToken: "12346" })).toBe(false);
    expect(valid({ signature: "" })).toBe(false);
    expect(valid({ signature: vector.signature.toLowerCase() })).toBe(false);
    expect(valid({ url: "http://mycompany.com/myapp.php?foo=1&bar=2" })).toBe(false);
    expect(valid({ url: "https://mycompany.com/myapp.php?foo=1&bar=3" })).toBe(false);
    expect(valid({ url: "https://mycompany.com:8443/myapp.php?foo=1&bar=2" })).toBe(false);
    expect(valid({ params: { ...vector.params, Digits: "1235" } })).toBe(false);
    expect(valid({ params: { ...vector.params, Extra: "" } })).toBe(false);
    const { To: _to, ...withoutTo } = vector.params;
    expect(valid({ params: withoutTo })).toBe(false);
  });

  it("accepts the URL with its default port spelled out, as Twilio's SDKs do", () => {
    const withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    expect(isValidTwilioSignature(vector.authToken, vector.signature, withPort, vector.params)).toBe(true);
    const signedWithPort = twilioSignature(vector.authToken, withPort, vector.params);
    expect(isValidTwilioSignature(vector.authToken, signedWithPort, vector.url, vector.params)).toBe(true);
  });
});

const paramsArbitrary: fc.Arbitrary<TwilioParams> = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" }),
  fc.oneof(
    fc.string({ maxLength: 40, unit: "grapheme" }),
    fc.array(fc.string({ maxLength: 10, unit: "grapheme" }), { minLength: 1, maxLength: 4 }),
  ),
  { maxKeys: 12 },
);
// URLs in the form Twilio calls them: already normalised, so Twilio's extra normalisations change nothing.
const urlArbitrary = fc
  .webUrl({ withQueryParameters: true })
  .filter((url) => new URL(url).toString() === url || new URL(url).toString() === `${url}/`);
const tokenArbitrary = fc.string({ minLength: 1, maxLength: 40 });

describe("against the twilio package, on random requests", () => {
  it("computes the same signature as getExpectedTwilioSignature", () => {
    fc.assert(
      fc.property(tokenArbitrary, urlArbitrary, paramsArbitrary, (token, url, params) => {
        const theirs = getExpectedTwilioSignature(token, url, params as Record<string, string | string[]>);
        expect(twilioSignature(token, url, params)).toBe(theirs);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts what validateRequest accepts for a signed request, and refuses a changed one", () => {
    fc.assert(
      fc.property(
        tokenArbitrary,
        urlArbitrary,
        paramsArbitrary,
        fc.string({ minLength: 1, maxLength: 8 }),
        (token, url, params, changed) => {
          const plain = params as Record<string, string | string[]>;
          const signature = getExpectedTwilioSignature(token, url, plain);
          expect(validateRequest(token, signature, url, plain)).toBe(true);
          expect(isValidTwilioSignature(token, signature, url, params)).toBe(true);

          const key = `x${changed}`;
          const tampered = { ...plain, [key]: plain[key] === changed ? `${changed}!` : changed };
          expect(validateRequest(token, signature, url, tampered)).toBe(false);
          expect(isValidTwilioSignature(token, signature, url, tampered)).toBe(false);
          expect(isValidTwilioSignature(`${token}x`, signature, url, params)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
