/**
 * Splitting a long answer into parts that each fit a channel's length limit (WhatsApp through Twilio:
 * 1600 characters per message), cutting at the most natural boundary that fits: a blank line between
 * paragraphs, then a line break, then the end of a sentence, then any whitespace. Only a single word
 * longer than the limit is cut inside, and then between grapheme clusters, so never inside a surrogate
 * pair, an emoji sequence or a letter with its accents.
 *
 * Lengths are UTF-16 code units (JavaScript's `length`). Twilio documents its limit in "characters"
 * without saying which; a text never has more code points than code units, so a part that fits in units
 * fits whichever way Twilio counts (an emoji costs two units: the parts are then a little shorter than
 * they might be, never too long).
 *
 * A cut inside a ``` block (WhatsApp's monospace) would leave the end of one part and the start of the
 * next as plain text with a stray ```, so the block is closed at the end of the part and reopened at the
 * start of the next; both then show as monospace.
 */
import { isWhitespace } from "./whitespace.js";

/** The longest message body Twilio accepts (longer ones fail with error 21617). */
export const whatsAppMaxLength = 1600;

/**
 * The separator levels, best first. A separator is a whole run of whitespace between two parts (or, after
 * a full-width stop, possibly an empty one): the part before it ends where the run starts and the next
 * part begins where it ends, so whitespace at a cut is dropped and nothing else is.
 *
 * 0. a run holding two or more line breaks (a blank line between paragraphs);
 * 1. a run holding a line break;
 * 2. a run after the end of a sentence — `.`, `!`, `?` or `…`, then any closing quotes or brackets — or
 *    right after a full-width stop `。！？`, where the separator may be empty (CJK text has no spaces
 *    between sentences);
 * 3. any run.
 *
 * They are found by one scan over the part's window, each run read once, so splitting takes time linear in
 * the text's length whatever it holds (regexes here backtracked quadratically over long runs of
 * whitespace or closing brackets).
 */
const levels = 4;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A line that opens a ``` block (its info string has no backticks), and one that closes it. */
const fenceOpening = /^[^\S\n]*`{3,}[^`]*$/;
const fenceClosing = /^[^\S\n]*`{3,}[^\S\n]*$/;
const fence = "```";
/** Room kept in each part for a block closed at its end and reopened at its start. */
const fenceRoom = 2 * `\n${fence}`.length;
/** Below this, parts are too short to hold fences and code (only tests split that finely). */
const minLengthForBlocks = 20;

/**
 * Splits `text` into parts of at most `maxLength` UTF-16 code units, in order. Leading and trailing
 * whitespace of the whole text and the whitespace at each cut are dropped; every other character is kept,
 * in order. A text that fits is one part; a blank text is none.
 *
 * When a longer text has ``` blocks (and `maxLength` is at least 20), the parts are cut 8 units shorter,
 * and a part that would end inside a block gets a closing ``` line, the next an opening one.
 */
export function splitIntoParts(text: string, maxLength: number = whatsAppMaxLength): string[] {
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    // A part must be able to hold a surrogate pair.
    throw new RangeError(`maxLength must be an integer of at least 2, got ${maxLength}`);
  }
  const whole = text.trim();
  if (whole.length <= maxLength) return whole ? [whole] : [];
  const hasBlocks = whole.split("\n").some((line) => fenceOpening.test(line));
  if (!hasBlocks || maxLength < minLengthForBlocks) return cutIntoParts(whole, maxLength);
  return closeBlocksAtCuts(cutIntoParts(whole, maxLength - fenceRoom));
}

function cutIntoParts(whole: string, maxLength: number): string[] {
  const parts: string[] = [];
  const runs = whitespaceRuns(whole);
  let start = 0;
  while (whole.length - start > maxLength) {
    const [end, next] = separatorCut(whole, start, maxLength, runs) ?? hardCut(whole, start, maxLength);
    parts.push(whole.slice(start, end));
    start = next;
  }
  if (start < whole.length) parts.push(whole.slice(start));
  return parts;
}

/**
 * Closes a ``` block left open at the end of a part and reopens it at the start of the next. A block
 * whose bare opening line ends a part starts in the next one instead, and a closing line that would start
 * a part is dropped (the previous part closed the block), so no part shows an empty block.
 */
function closeBlocksAtCuts(parts: string[]): string[] {
  const closed: string[] = [];
  let open = false;
  parts.forEach((part, i) => {
    const lines = part.split("\n");
    if (open && fenceClosing.test(lines[0] ?? "")) lines.shift();
    else if (open) lines.unshift(fence);
    const openedAt = openBlockAt(lines);
    open = openedAt >= 0 && i < parts.length - 1;
    if (open && openedAt === lines.length - 1 && fenceClosing.test(lines[openedAt] ?? "")) lines.pop();
    else if (open) lines.push(fence);
    const body = lines.join("\n").trim();
    if (body) closed.push(body);
  });
  return closed;
}

/** The line that opens a ``` block the lines leave open, or -1 when they close every block they open. */
function openBlockAt(lines: string[]): number {
  let openedAt = -1;
  lines.forEach((line, i) => {
    if (openedAt < 0 && fenceOpening.test(line)) openedAt = i;
    else if (openedAt >= 0 && fenceClosing.test(line)) openedAt = -1;
  });
  return openedAt;
}

/**
 * The best separator whose part fits: the last one within the limit at the best level that has one.
 * Returns where the part ends and where the next begins, or undefined when there is no whitespace within
 * the limit at all (the text starts with a word longer than the limit).
 */
function separatorCut(
  text: string,
  start: number,
  maxLength: number,
  runs: WhitespaceRuns,
): [end: number, next: number] | undefined {
  const best: ([end: number, next: number] | undefined)[] = new Array(levels).fill(undefined);
  const limit = start + maxLength;
  for (let i = start; i <= limit && i < text.length;) {
    // A cut at `start` would make an empty part.
    const afterFullStop = i > start && isFullWidthStop(text.charCodeAt(i - 1));
    if (!isWhitespace(text.charCodeAt(i))) {
      if (afterFullStop) best[2] = [i, i];
      i++;
      continue;
    }
    const { end, lineBreaks } = runs.at(i);
    const cut: [number, number] = [i, end];
    i = end;
    if (cut[0] === start) continue;
    if (lineBreaks >= 2) best[0] = cut;
    if (lineBreaks >= 1) best[1] = cut;
    if (afterFullStop || endsSentence(text, start, cut[0])) best[2] = cut;
    best[3] = cut;
  }
  return best.find((cut) => cut !== undefined);
}

/**
 * Whether the text from `start` up to `at` ends a sentence: a `.`, `!`, `?` or `…` then any closing quotes
 * or brackets. Each run of closers is read once per run of whitespace after it.
 */
function endsSentence(text: string, start: number, at: number): boolean {
  let i = at - 1;
  while (i >= start && closers.has(text.charCodeAt(i))) i--;
  return i >= start && sentenceStops.has(text.charCodeAt(i));
}

const sentenceStops = new Set([...".!?…"].map((c) => c.charCodeAt(0)));
const closers = new Set([..."\"'”’)]"].map((c) => c.charCodeAt(0)));
const fullWidthStops = new Set([..."。！？"].map((c) => c.charCodeAt(0)));
const isFullWidthStop = (code: number) => fullWidthStops.has(code);

/** Where each run of whitespace ends and how many line breaks it holds, each run read once. */
interface WhitespaceRuns {
  at(runStart: number): { end: number; lineBreaks: number };
}

function whitespaceRuns(text: string): WhitespaceRuns {
  // A part's window may see the start of the same long run again: the last run read is remembered.
  let last = { start: -1, end: -1, lineBreaks: 0 };
  return {
    at(runStart) {
      if (last.start !== runStart) {
        let end = runStart;
        let lineBreaks = 0;
        for (; end < text.length && isWhitespace(text.charCodeAt(end)); end++) {
          if (text.charCodeAt(end) === 0x0a) lineBreaks++;
        }
        last = { start: runStart, end, lineBreaks };
      }
      return last;
    },
  };
}

/**
 * Cuts inside a word that does not fit: at the last grapheme boundary within the limit, or, for a single
 * grapheme cluster longer than the limit (a letter with hundreds of combining marks), at the last code
 * point boundary.
 */
function hardCut(text: string, start: number, maxLength: number): [end: number, next: number] {
  let end = 0;
  // Whether `maxLength` is a boundary depends on the character that starts there, so all of it (two
  // code units when it is a surrogate pair) is segmented too.
  for (const { index } of graphemes.segment(text.slice(start, start + maxLength + 2))) {
    if (index > maxLength) break;
    end = index;
  }
  if (end === 0) end = isHighSurrogate(text.charCodeAt(start + maxLength - 1)) ? maxLength - 1 : maxLength;
  return [start + end, start + end];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
