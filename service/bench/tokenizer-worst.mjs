/**
 * Row 6, run in its own process pinned to the service's core: the slowest single call of the service's
 * TokenCounter over adversarial inputs of the largest size the service accepts (MAX_MESSAGE_BYTES, each
 * input checked by the service's own input rule). BPE is roughly quadratic in the length of one
 * pre-token, so the candidates are long runs without a break of every kind the pre-tokenizer knows, plus
 * an over-long answer, since the finished reply is counted too. Prints one JSON line.
 */
import { performance } from "node:perf_hooks";
import { createTiktokenTokenCounter } from "../dist/adapters/tiktoken/tiktoken-token-counter.js";
import { requireMessageText } from "../dist/application/input-rules.js";
import { loadConfig } from "../dist/config.js";

const maxBytes = loadConfig({}).maxMessageBytes;
const repetitions = 3;

/** Random characters drawn from `alphabet` (a deterministic PRNG, so every run tokenizes the same text). */
function randomRun(alphabet, length, seed = 1) {
  const chars = Array.from(alphabet);
  let state = seed;
  let text = "";
  while (text.length < length) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    text += chars[state % chars.length];
  }
  return text;
}

/** The longest prefix of `text` (whole code points) that fits `bytes` in UTF-8. */
function fit(text, bytes = maxBytes) {
  let out = "";
  let used = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}

const big = 4 * maxBytes;
const lower = "abcdefghijklmnopqrstuvwxyz";
const cases = {
  "lowercase letters, no break": randomRun(lower, big),
  "one letter repeated": "a".repeat(big),
  "mixed-case letters": randomRun(lower + lower.toUpperCase(), big),
  digits: randomRun("0123456789", big),
  punctuation: randomRun("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", big),
  "base64-like": randomRun(lower + lower.toUpperCase() + "0123456789+/", big),
  "accented Latin (2 bytes)": randomRun("áéíóúãõçâêôàüñ", big),
  "CJK (3 bytes)": randomRun("的一是不了人我在有他这中大来上个们到说国和地也子时道出", big),
  "emoji (4 bytes)": randomRun("😀😃😄😁😆😅😂🤣😊😇🙂🙃😉😌😍🥰", big),
  "a letter, then spaces": "a" + " ".repeat(big),
  "a letter, then newlines": "a" + "\n".repeat(big),
  "a letter, then mixed whitespace": "a" + randomRun(" \t\n\r", big),
  "letter-space pairs": "a ".repeat(big),
  "ordinary prose": "The quick brown fox jumps over the lazy dog. ".repeat(big / 40),
};

const counter = createTiktokenTokenCounter("o200k_base");
const inputs = Object.entries(cases).map(([name, raw]) => {
  const text = fit(raw);
  requireMessageText(text, maxBytes); // throws if the service would refuse it
  return [name, text];
});
// The finished answer is counted as well; models stop at max_tokens, but a 64 KB run is a fair worst case.
inputs.push(["answer: 64 KB letter run", randomRun(lower, 65_536)]);
inputs.push(["answer: 64 KB of spaces", " ".repeat(65_536)]);

// The very first long input after start also pays for warming the WASM code up; reported apart.
const first = measureOnce(inputs[0][1]);
for (const [, text] of inputs) counter.count(text);
const results = inputs.map(([name, text]) => measure(name, text));

function measureOnce(text) {
  const start = performance.now();
  counter.count(text);
  return performance.now() - start;
}

function measure(name, text) {
  let worst = 0;
  for (let i = 0; i < repetitions; i++) worst = Math.max(worst, measureOnce(text));
  return {
    name,
    chars: text.length,
    bytes: Buffer.byteLength(text),
    tokens: counter.count(text),
    worstMs: worst,
  };
}

process.stdout.write(
  `${JSON.stringify({ maxBytes, firstCallMs: first, firstCallInput: inputs[0][0], results })}\n`,
);
