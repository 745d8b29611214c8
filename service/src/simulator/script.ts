/**
 * What a test tells the simulator to do for a request: the reply, its pace and the way it fails.
 */

/**
 * How a response goes wrong. `afterDeltas` counts content deltas; with 0 the fault strikes right after
 * the headers, before any chunk (not even the role chunk).
 */
export type Fault =
  /**
   * Answer with an OpenAI-style error for the first `times` attempts (default 1), then serve the reply.
   * `retryAfterMs` sends `retry-after-ms`, `retryAfter` sends `retry-after` (seconds or an HTTP date);
   * `code` picks the error code (e.g. `context_length_exceeded`); `body` replaces the whole JSON body.
   */
  | {
      kind: "status";
      status: number;
      times?: number;
      retryAfterMs?: number;
      retryAfter?: number | string;
      code?: string;
      body?: unknown;
    }
  /** Send the deltas, then keep the connection open and say nothing more. */
  | { kind: "stall"; afterDeltas: number }
  /** Send the deltas, then destroy the socket with a TCP RST. */
  | { kind: "reset"; afterDeltas: number }
  /** Send the deltas, then a `data:` line that is not JSON, then carry on as if nothing happened. */
  | { kind: "malformed"; afterDeltas: number }
  /** End the body cleanly after the deltas (all of them by default): no finish chunk, no `[DONE]`. */
  | { kind: "no-done"; afterDeltas?: number }
  /** Never send the response headers. */
  | { kind: "hang" };

/** One scripted reply. Everything is optional: an empty script is the default demo reply. */
export interface Script {
  /** The reply text; by default the demo reply derived from the last user message. */
  text?: string;
  /** Explicit deltas (their concatenation is the reply); wins over `text`. */
  deltas?: string[];
  /** Characters per delta when splitting `text`; by default word by word, as tokens mostly are. */
  deltaSize?: number;
  /** Delay between deltas in ms; 0 writes as fast as possible. Defaults to the simulator's pace. */
  paceMs?: number;
  /** Delay between the headers and the first chunk, in ms. Defaults to the pace. */
  firstDeltaDelayMs?: number;
  /** The finish chunk's `finish_reason`; default "stop". */
  finishReason?: string;
  /** The usage chunk's `choices`: `[]` as OpenAI sends it (default) or `null` as vLLM does. */
  usageChoices?: "empty" | "null";
  fault?: Fault;
}

/** Which requests a standing script answers: a substring of, pattern for, or test on the last user message. */
export type Matcher = string | RegExp | ((lastUserMessage: string) => boolean);

interface Entry {
  script: Script;
  /** Error responses already given for a `status` fault. */
  failures: number;
  matcher?: Matcher;
}

/** What the simulator should do for one request: fail with a status now, or serve the reply. */
export type Decision = { script: Script; failWithStatus: boolean };

/**
 * The scripts of a simulator: a queue consumed one reply per request, and standing matchers that answer
 * every request whose last user message they match. A matcher wins over the queue; with neither, the
 * request gets the default reply. A `status` fault keeps its script at the head until it has failed
 * `times` attempts and then served its reply, so "429 then OK" is one script however the client retries.
 */
export class ScriptBook {
  private queue: Entry[] = [];
  private matchers: Entry[] = [];

  enqueue(scripts: Script[]): void {
    for (const script of scripts) this.queue.push({ script, failures: 0 });
  }

  when(matcher: Matcher, script: Script): void {
    this.matchers.push({ script, failures: 0, matcher });
  }

  clear(): void {
    this.queue = [];
    this.matchers = [];
  }

  /** Scripts still waiting in the queue. */
  get pending(): number {
    return this.queue.length;
  }

  next(lastUserMessage: string): Decision {
    const matched = this.matchers.find((entry) => matches(entry.matcher, lastUserMessage));
    const entry = matched ?? this.queue[0];
    if (!entry) return { script: {}, failWithStatus: false };
    const fault = entry.script.fault;
    if (fault?.kind === "status" && entry.failures < (fault.times ?? 1)) {
      entry.failures += 1;
      return { script: entry.script, failWithStatus: true };
    }
    if (matched) entry.failures = 0;
    else this.queue.shift();
    return { script: entry.script, failWithStatus: false };
  }
}

function matches(matcher: Matcher | undefined, text: string): boolean {
  if (matcher === undefined) return false;
  if (typeof matcher === "string") return text.includes(matcher);
  if (matcher instanceof RegExp) return matcher.test(text);
  return matcher(text);
}

/**
 * Splits a reply into deltas whose concatenation is exactly the text: fixed-size pieces, or by default
 * words with their leading whitespace (as OpenAI's tokens carry it), trailing whitespace on the last.
 */
export function splitIntoDeltas(text: string, deltaSize?: number): string[] {
  if (text === "") return [];
  if (deltaSize !== undefined && deltaSize > 0) {
    const pieces: string[] = [];
    const chars = Array.from(text); // code points, so a delta never splits a surrogate pair
    for (let i = 0; i < chars.length; i += deltaSize) pieces.push(chars.slice(i, i + deltaSize).join(""));
    return pieces;
  }
  const words = text.match(/\s*\S+/g) ?? [text];
  const covered = words.join("").length;
  if (covered < text.length) words[words.length - 1] += text.slice(covered);
  return words;
}
