/**
 * Text as search sees it, and the snippets shown for a match. Matching is by substring on folded text:
 * each character is folded on its own (NFKC, then lower case) and every run of whitespace becomes one
 * space, so "ＴＯＫＹＯ\n tower" and "tokyo tower" are the same. Folding character by character (not the
 * whole string) keeps a map from every folded unit back to the stored text, which is what places the
 * highlights; no regular expression ever runs on the text.
 */

/** Folded text, and where each of its UTF-16 units came from in the original. */
export interface FoldedText {
  text: string;
  /** For each unit of `text`: the original's offset where the character it came from starts... */
  starts: number[];
  /** ...and ends. */
  ends: number[];
}

const isSpace = (ch: string) => ch.trim().length === 0;

function foldChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x80) return code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : ch;
  return ch.normalize("NFKC").toLowerCase();
}

/** Folds `original` for matching (see the module comment). Linear in its length. */
export function foldText(original: string): FoldedText {
  const out: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let pendingSpace = false;
  let offset = 0;
  for (const ch of original) {
    const start = offset;
    offset += ch.length;
    for (const unit of foldChar(ch)) {
      if (isSpace(unit)) {
        pendingSpace = out.length > 0;
        continue;
      }
      if (pendingSpace) {
        out.push(" ");
        starts.push(start);
        ends.push(start);
        pendingSpace = false;
      }
      out.push(unit);
      for (let i = 0; i < unit.length; i += 1) {
        starts.push(start);
        ends.push(offset);
      }
    }
  }
  return { text: out.join(""), starts, ends };
}

/** The folded form only. */
export const foldForSearch = (original: string): string => foldText(original).text;

/**
 * The index keys of a folded text: one per pair of neighbouring characters (bigrams), distinct. A pair
 * of Basic Multilingual Plane characters is its two code points side by side (exact); a pair with an
 * emoji or another astral character is hashed into the same 32 bits (a collision only makes a
 * candidate that the substring check then drops).
 */
export function searchGrams(folded: string): number[] {
  const points = Array.from(folded, (ch) => ch.codePointAt(0) ?? 0);
  const grams = new Set<number>();
  for (let i = 0; i + 1 < points.length; i += 1) grams.add(gramKey(points[i] ?? 0, points[i + 1] ?? 0));
  return [...grams];
}

function gramKey(a: number, b: number): number {
  if (a <= 0xffff && b <= 0xffff) return ((a << 16) | b) >>> 0;
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> 0;
}

/** At most `max` of `grams`, spread evenly over the query (the first and last always among them). */
export function spreadGrams(grams: readonly number[], max: number): number[] {
  if (grams.length <= max) return [...grams];
  const picked = new Set<number>();
  for (let i = 0; i < max; i += 1) picked.add(grams[Math.round((i * (grams.length - 1)) / (max - 1))] ?? 0);
  return [...picked];
}

/** A piece of a snippet; `highlight` marks an occurrence of the query. */
export interface SnippetSegment {
  text: string;
  highlight: boolean;
}

/** Around how many characters (UTF-16 units) of text a snippet shows. */
export const snippetLength = 160;
const contextBefore = 50;

/**
 * The text around the first occurrence of `foldedQuery` in `original`, with every occurrence inside it
 * highlighted; the start of the text when there is none (a candidate that no longer matches). Cut
 * points are widened to whole characters; "…" marks a cut.
 */
export function buildSnippet(original: string, foldedQuery: string): SnippetSegment[] {
  const folded = foldText(original);
  const first = foldedQuery.length === 0 ? -1 : folded.text.indexOf(foldedQuery);
  const matchStart = first < 0 ? 0 : (folded.starts[first] ?? 0);
  const matchEnd = first < 0 ? 0 : (folded.ends[first + foldedQuery.length - 1] ?? 0);
  let from = Math.max(0, matchStart - contextBefore);
  let to = Math.max(matchEnd, Math.min(original.length, from + snippetLength));
  if (to - from < snippetLength) from = Math.max(0, to - snippetLength);
  from = wholeCharStart(original, from);
  to = wholeCharEnd(original, to);

  const segments: SnippetSegment[] = [];
  const plain = (a: number, b: number) => {
    if (b > a) segments.push({ text: original.slice(a, b), highlight: false });
  };
  if (from > 0) segments.push({ text: "…", highlight: false });
  let cursor = from;
  for (let at = first; at >= 0; at = folded.text.indexOf(foldedQuery, at + foldedQuery.length)) {
    const start = folded.starts[at] ?? 0;
    const end = folded.ends[at + foldedQuery.length - 1] ?? 0;
    if (end > to) break;
    if (start < cursor) continue;
    plain(cursor, start);
    segments.push({ text: original.slice(start, end), highlight: true });
    cursor = end;
  }
  plain(cursor, to);
  if (to < original.length) segments.push({ text: "…", highlight: false });
  return mergePlain(segments);
}

function mergePlain(segments: SnippetSegment[]): SnippetSegment[] {
  const merged: SnippetSegment[] = [];
  for (const segment of segments) {
    const last = merged.at(-1);
    if (last && !last.highlight && !segment.highlight) last.text += segment.text;
    else merged.push({ ...segment });
  }
  return merged;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function wholeCharStart(text: string, at: number): number {
  return at > 0 && at < text.length && isLowSurrogate(text.charCodeAt(at)) ? at - 1 : at;
}

function wholeCharEnd(text: string, at: number): number {
  return at > 0 && at < text.length && isLowSurrogate(text.charCodeAt(at)) ? at + 1 : at;
}
