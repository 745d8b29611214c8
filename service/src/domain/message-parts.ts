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

/**
 * Splits `text` into parts of at most `maxLength` UTF-16 code units, in order. Leading and trailing
 * whitespace of the whole text and the whitespace at each cut are dropped; every other character is kept,
 * in order. A text that fits is one part; a blank text is none.
 */
export function splitIntoParts(text: string, maxLength: number = whatsAppMaxLength): string[] {
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    // A part must be able to hold a surrogate pair.
    throw new RangeError(`maxLength must be an integer of at least 2, got ${maxLength}`);
  }
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > maxLength) {
    const [end, next] = separatorCut(rest, maxLength) ?? hardCut(rest, maxLength);
    parts.push(rest.slice(0, end));
    rest = rest.slice(next);
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
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
