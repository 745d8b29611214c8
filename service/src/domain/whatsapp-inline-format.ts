/**
 * Markdown's inline marks within one line, in WhatsApp's formatting: `**bold**` → `*bold*`, `*italic*`
 * and `_italic_` → `_italic_`, `~~strike~~` → `~strike~`, `[text](url)` → `text (url)`, `![alt](url)` →
 * `alt (url)`, `<url>` → `url`, and `\*` → `*` (WhatsApp has no escapes).
 *
 * Inline code, links and bare URLs are set aside first, so nothing inside them changes (`a__b__c` in a
 * URL stays as it is); each is swapped for one private-use character while emphasis is converted, which
 * lets emphasis wrap them (`**`npm test`**` → `*`npm test`*`). A mark is emphasis only at a word's edge
 * and hugging its text, as in Markdown, so `snake_case_name`, `2 * 3` and `a*b*c` stay as they are.
 */

/** Where the stand-ins for set-aside pieces come from: the private use area, U+E000–U+F8FF. */
const standInBase = 0xe000;
const standInCount = 0x1900;
const standIns = /[\uE000-\uF8FF]/g;
const hasStandIn = /[\uE000-\uF8FF]/;

/** A link's destination, `<…>` or bare with balanced parentheses, then an optional title. */
const destination = String.raw`\s*<?([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*`;

/**
 * A link's or image's text: anything but brackets and backticks, one level of balanced brackets, or whole
 * code spans without brackets. A scan for it stops at any other bracket, so scans from different `[`
 * never cover the same text twice (an image's text was `[^\]]*`, which from every `![` of a line full of
 * them ran to its end: quadratic). A lone backtick stops it too: a code span binds tighter than a link's
 * brackets, so in `![ `]() `` the `]() ` is code, not the end of an image.
 */
const bracketText = String.raw`(?:[^[\]\`]|\[[^[\]\`]*\]|\`[^\`[\]]*\`)*`;

/** The pieces left untouched (apart from their own rendering), leftmost first. */
const setAsidePattern = new RegExp(
  [
    String.raw`\\([!-/:-@[-\`{-~])`, // 1: a backslash escape
    String.raw`(?<!\`)(\`+)(?!\`).{0,2000}?[^\`]\2(?!\`)`, // 2: inline code
    String.raw`!\[(${bracketText})\]\(${destination}\)`, // 3, 4: an image
    String.raw`\[(${bracketText})\]\(${destination}\)`, // 5, 6: a link
    String.raw`<((?:https?|mailto):[^\s<>]+)>`, // 7: an autolink
    String.raw`https?://[^\s<>\`]*[^\s<>\`*_~.,;:!?'")\]]`, // a bare URL
  ].join("|"),
  "gs",
);

/**
 * Emphasis: a run of exactly one to three `*` or `_`, or two `~`, opening before a non-space and closing
 * after one, not inside a word. Underscores, which names are full of, are stricter: they stay as they
 * are next to a dot (`__init__.py`, `obj.__dict__`), and a span cannot hold its own mark (`_` or `__`),
 * so one name's mark never pairs with the next name's. Spans are capped at 1000 characters so a line
 * full of unmatched marks cannot take quadratic time.
 */
const emphasisPattern = new RegExp(
  [
    String.raw`(?<![*\p{L}\p{N}])(\*{1,3})(?![\s*])(.{1,1000}?)(?<![\s*])\1(?![*\p{L}\p{N}])`,
    String.raw`(?<![_.\p{L}\p{N}])(_{1,3})(?![\s_])((?:(?!\3).){1,1000}?)(?<![\s_])\3(?![_\p{L}\p{N}]|\.[\p{L}\p{N}])`,
    String.raw`(?<!~)~~(?![\s~])(.{1,1000}?)(?<![\s~])~~(?!~)`,
  ].join("|"),
  "gsu",
);

/**
 * Converts the inline Markdown in `text` (one line). Inside a bold span (a heading, which is shown
 * bold as a whole) `**bold**` loses its marks, since WhatsApp cannot nest bold.
 */
export function toWhatsAppInline(text: string, inBold = false): string {
  // A line that already holds private-use characters cannot use them as stand-ins: left as it is.
  if (hasStandIn.test(text)) return text;
  const pieces: string[] = [];
  const masked = text.replace(setAsidePattern, (match, ...groups: (string | undefined)[]) => {
    if (pieces.length === standInCount) return match;
    pieces.push(render(match, groups));
    return String.fromCharCode(standInBase + pieces.length - 1);
  });
  return emphasis(masked, inBold).replace(
    standIns,
    (char) => pieces[char.charCodeAt(0) - standInBase] ?? char,
  );
}

function render(match: string, groups: (string | undefined)[]): string {
  const [escaped, , alt, imageUrl, label, linkUrl, autolink] = groups;
  if (escaped !== undefined) return escaped;
  if (alt !== undefined) return withUrl(toWhatsAppInline(alt), imageUrl ?? "");
  if (label !== undefined) return withUrl(toWhatsAppInline(label), linkUrl ?? "", label);
  if (autolink !== undefined) return autolink.replace(/^mailto:/i, "");
  return match; // inline code or a bare URL
}

/** `text (url)`, or just one of them when the other is empty or says the same. */
function withUrl(text: string, url: string, source = text): string {
  if (!url || url === `mailto:${source}`) return text;
  if (!text.trim() || source === url) return url;
  return `${text} (${url})`;
}

function emphasis(text: string, inBold: boolean): string {
  return text.replace(
    emphasisPattern,
    (_, stars?: string, starred?: string, underscores?: string, underscored?: string, struck?: string) => {
      if (struck !== undefined) return `~${emphasis(struck, inBold)}~`;
      const marks = (stars ?? underscores ?? "").length;
      const inner = emphasis(starred ?? underscored ?? "", inBold || marks > 1);
      if (marks === 1) return `_${inner}_`;
      const bold = marks === 3 ? `_${inner}_` : inner;
      return inBold ? bold : `*${bold}*`;
    },
  );
}
