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

/** The longest message body Twilio accepts (longer ones fail with error 21617). */
export const whatsAppMaxLength = 1600;

/**
 * Each level's separators, best first. A separator is the whitespace between two parts: the part before
 * it ends where the match starts and the next part begins where it ends, so whitespace at a cut is
 * dropped and nothing else is. Sentences end at `.`, `!`, `?` or `…` (and closing quotes or brackets)
 * before whitespace, or right after a full-width stop (CJK text has no spaces between sentences).
 */
const separatorLevels: readonly RegExp[] = [
  /[^\S\n]*\n[^\S\n]*\n\s*/g,
  /[^\S\n]*\n\s*/g,
  /(?<=[.!?…]["'”’)\]]*)\s+|(?<=[。！？])\s*/g,
  /\s+/g,
];

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
  let rest = whole;
  while (rest.length > maxLength) {
    const [end, next] = separatorCut(rest, maxLength) ?? hardCut(rest, maxLength);
    parts.push(rest.slice(0, end));
    rest = rest.slice(next);
  }
  if (rest.length > 0) parts.push(rest);
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
 * The best separator whose part fits: the last one within the limit at the highest level that has one.
 * Returns where the part ends and where the next begins, or undefined when there is no whitespace within
 * the limit at all (the text starts with a word longer than the limit).
 */
function separatorCut(text: string, maxLength: number): [end: number, next: number] | undefined {
  for (const separators of separatorLevels) {
    let best: RegExpExecArray | undefined;
    for (const match of text.matchAll(separators)) {
      if (match.index > maxLength) break;
      // A cut at 0 would make an empty part; `text` never starts with whitespace, but a CJK stop could.
      if (match.index > 0) best = match as RegExpExecArray;
    }
    if (best) return [best.index, best.index + best[0].length];
  }
  return undefined;
}

/**
 * Cuts inside a word that does not fit: at the last grapheme boundary within the limit, or, for a single
 * grapheme cluster longer than the limit (a letter with hundreds of combining marks), at the last code
 * point boundary.
 */
function hardCut(text: string, maxLength: number): [end: number, next: number] {
  let end = 0;
  // Whether `maxLength` is a boundary depends on the character that starts there, so all of it (two
  // code units when it is a surrogate pair) is segmented too.
  for (const { index } of graphemes.segment(text.slice(0, maxLength + 2))) {
    if (index > maxLength) break;
    end = index;
  }
  if (end === 0) end = isHighSurrogate(text.charCodeAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return [end, end];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
