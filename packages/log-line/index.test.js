import assert from "node:assert/strict";
import { test } from "node:test";
import { createRateLimitedWarn, logLine, maxLoggedLength, scrubSecrets, truncate } from "./index.js";

const entry = { time: "2026-12-03T10:00:00.000Z", level: "warn", message: "the model failed" };

test("fields never overwrite the line's own keys or its base", () => {
  const line = JSON.parse(
    logLine(
      entry,
      { service: "parley" },
      {
        message: "upstream text",
        level: "debug",
        time: "yesterday",
        service: "evil",
        code: 7,
      },
    ),
  );
  assert.deepEqual(line, {
    ...entry,
    service: "parley",
    "field.message": "upstream text",
    "field.level": "debug",
    "field.time": "yesterday",
    "field.service": "evil",
    code: 7,
  });
  assert.deepEqual(Object.keys(line).slice(0, 3), ["time", "level", "message"]);
});

test("long strings are cut, saying by how much, never inside a surrogate pair", () => {
  const line = JSON.parse(logLine(entry, {}, { error: "x".repeat(15_000) }));
  assert.equal(line.error, `${"x".repeat(maxLoggedLength)}…[13000 more characters]`);
  assert.equal(truncate(`a${"😀".repeat(3)}`, 2), "a…[6 more characters]");
  const message = JSON.parse(logLine({ ...entry, message: "m".repeat(5000) })).message;
  assert.equal(message.length, maxLoggedLength + "…[3000 more characters]".length);
});

for (const [text, expected] of [
  ["401: Authorization: Bearer abc.def-ghi=", "401: Authorization: [redacted]"],
  ["header was bearer eyJhbGciOi.x.y here", "header was bearer [redacted] here"],
  [
    "Incorrect API key provided: sk-proj-AbC123xyz_987. See",
    "Incorrect API key provided: sk-[redacted]. See",
  ],
  ['{"api_key":"k-123","model":"gpt"}', '{"api_key":"[redacted]","model":"gpt"}'],
  ["https://x.test/?token=abc123&b=2", "https://x.test/?token=[redacted]&b=2"],
  ["password = hunter2, user=bob", "password = [redacted], user=bob"],
  ["no secrets in this sentence about tokens.", "no secrets in this sentence about tokens."],
]) {
  test(`scrubs ${JSON.stringify(text)}`, () => assert.equal(scrubSecrets(text), expected));
}

test("messages, nested fields and errors are scrubbed; credential keys are redacted whatever they hold", () => {
  const line = JSON.parse(
    logLine(
      { ...entry, message: "failed with Bearer abc" },
      {},
      {
        cause: {
          error: "key sk-abcdef123456 refused",
          headers: { Authorization: "anything", accept: "json" },
        },
        error: new Error("sent Bearer t0k3n"),
        apiKey: "whatever",
      },
    ),
  );
  assert.equal(line.message, "failed with Bearer [redacted]");
  assert.deepEqual(line.cause, {
    error: "key sk-[redacted] refused",
    headers: { Authorization: "[redacted]", accept: "json" },
  });
  assert.equal(line.error, "Error: sent Bearer [redacted]");
  assert.equal(line.apiKey, "[redacted]");
});

test("scrubbing is linear on adversarial text", () => {
  const text = `${"Bearer ".repeat(20_000)}${"token ".repeat(20_000)}${"sk-".repeat(20_000)}${" ".repeat(100_000)}`;
  assert.equal(typeof logLine(entry, {}, { text }), "string");
  assert.equal(scrubSecrets(`token${" ".repeat(100_000)}`), `token${" ".repeat(100_000)}`);
});

test("rate-limited warnings: the first of a kind at once, then one line per interval counting the rest", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const lines = [];
  const warn = createRateLimitedWarn((message, fields) => lines.push([message, fields]), {
    intervalMs: 10_000,
  });
  for (let i = 0; i < 2000; i++) warn("signature.invalid", "refused", { url: `/u${i}` });
  assert.deepEqual(lines, [["refused", { kind: "signature.invalid", url: "/u0" }]]);

  t.mock.timers.tick(9_999);
  assert.equal(lines.length, 1);
  t.mock.timers.tick(1);
  assert.deepEqual(lines[1], [
    "refused (1999 more in the last 10 s)",
    { kind: "signature.invalid", suppressed: 1999 },
  ]);

  // Still flooding: still one line per interval.
  for (let i = 0; i < 500; i++) warn("signature.invalid", "refused");
  t.mock.timers.tick(10_000);
  assert.deepEqual(lines.slice(2), [
    ["refused (500 more in the last 10 s)", { kind: "signature.invalid", suppressed: 500 }],
  ]);

  // A quiet interval ends the window: the next one is logged at once, with its own fields.
  t.mock.timers.tick(10_000);
  assert.equal(lines.length, 3);
  warn("signature.invalid", "refused", { url: "/later" });
  assert.deepEqual(lines[3], ["refused", { kind: "signature.invalid", url: "/later" }]);
});

test("rate-limited warnings: each kind is limited on its own", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const messages = [];
  const warn = createRateLimitedWarn((message) => messages.push(message));
  warn("a", "first a");
  warn("b", "first b");
  warn("a", "second a");
  assert.deepEqual(messages, ["first a", "first b"]);
  t.mock.timers.tick(10_000);
  assert.deepEqual(messages, ["first a", "first b", "first a (1 more in the last 10 s)"]);
});
