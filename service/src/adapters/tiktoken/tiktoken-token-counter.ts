/**
 * TokenCounter on tiktoken (WASM), the only importer of the tokenizer. One encoder per encoding per
 * process: building one costs ~60 ms.
 *
 * BPE is quadratic in the length of a pre-token, and a run without whitespace is one pre-token: 32 K CJK
 * characters took 5 s here. So is a run of whitespace: 32 KB of spaces or newlines took ~1 s, a 64 KB
 * answer of spaces ~4 s (measured by `npm run bench`). So runs of either kind longer than `runChunk`
 * code units are counted in chunks. Ordinary text is counted exactly; a pathological run gets an
 * estimate within a token per chunk, and no call blocks the event loop for long.
 */
import { get_encoding, type Tiktoken } from "@dqbd/tiktoken";
import type { Encoding } from "../../application/model-catalog.js";
import type { TokenCounter } from "../../application/ports.js";

const encoders = new Map<Encoding, Tiktoken>();
const runChunk = 256;
const longRun = new RegExp(`\\S{${runChunk + 1},}|\\s{${runChunk + 1},}`, "g");

function encoder(encoding: Encoding): Tiktoken {
  let found = encoders.get(encoding);
  if (!found) {
    found = get_encoding(encoding);
    encoders.set(encoding, found);
  }
  return found;
}

export function createTiktokenTokenCounter(encoding: Encoding): TokenCounter {
  const tokenizer = encoder(encoding);
  // encode_ordinary: text such as "<|endoftext|>" is counted as text, never as a special token.
  const countPlain = (text: string) => (text.length === 0 ? 0 : tokenizer.encode_ordinary(text).length);
  return {
    count(text: string): number {
      if (text.length <= runChunk) return countPlain(text);
      let total = 0;
      let from = 0;
      for (const match of text.matchAll(longRun)) {
        total += countPlain(text.slice(from, match.index));
        total += countInChunks(match[0], countPlain);
        from = match.index + match[0].length;
      }
      return total + countPlain(text.slice(from));
    },
  };
}

function countInChunks(run: string, countPlain: (text: string) => number): number {
  let total = 0;
  for (let start = 0; start < run.length;) {
    let end = Math.min(start + runChunk, run.length);
    // Never split a surrogate pair.
    const last = run.charCodeAt(end - 1);
    if (end < run.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    total += countPlain(run.slice(start, end));
    start = end;
  }
  return total;
}

/** A counter per encoding, each built on first use and kept (the encoders are per process anyway). */
export function createTiktokenTokenCounters(): (encoding: Encoding) => TokenCounter {
  const counters = new Map<Encoding, TokenCounter>();
  return (encoding) => {
    let counter = counters.get(encoding);
    if (!counter) {
      counter = createTiktokenTokenCounter(encoding);
      counters.set(encoding, counter);
    }
    return counter;
  };
}
