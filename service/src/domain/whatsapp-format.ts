/**
 * Model answers are Markdown, which WhatsApp shows as typed (`**`, `#`, `[text](url)` clutter a phone's
 * screen). WhatsApp has a formatting of its own: `*bold*`, `_italic_`, `~strike~`, ``` blocks, `inline
 * code`, `- ` and `1. ` lists and `> ` quotes. This turns the common Markdown into it, line by line:
 *
 * - `# Heading` (any level) → `*Heading*`; a horizontal rule → `———`;
 * - `* item` and `+ item` → `- item`, keeping the indentation of nested lists; numbered lists, quotes
 *   and tables stay as they are (with their inline Markdown converted);
 * - inline marks, links and images as in {@link toWhatsAppInline};
 * - a fenced code block keeps every line inside it as it is; only its fences change, to a bare ```
 *   (WhatsApp would show a language name such as `ts` as the block's first line), and a block the text
 *   leaves open (an answer cut off mid-code) is closed.
 *
 * It never throws: what it does not recognise passes through unchanged.
 */
import { isBlank } from "./whitespace.js";
import { toWhatsAppInline } from "./whatsapp-inline-format.js";

/** An open code block: how its opening fence was indented, and its marker (``` or ~~~, or longer). */
interface Fence {
  indent: string;
  marker: string;
}

const fenceOpening = /^([^\S\n]*)(`{3,}|~{3,})(.*)$/s;
const fenceClosing = /^[^\S\n]*(`{3,}|~{3,})[^\S\n]*$/;
/** The line's quote marks and indentation, then the rest. */
const linePrefix = /^((?:[^\S\n]*>)*[^\S\n]*)(.*)$/s;
const horizontalRule = /^([-*_])(?:[^\S\n]*\1){2,}[^\S\n]*$/;
const bullet = /^[*+-]([^\S\n]+.*)$/s;

/** Converts a Markdown answer to WhatsApp's formatting. */
export function toWhatsAppText(markdown: string): string {
  const lines: string[] = [];
  let fence: Fence | undefined;
  for (const line of markdown.split("\n")) {
    if (fence) {
      const closes = closesFence(fence, line);
      lines.push(closes ? `${fence.indent}\`\`\`` : line);
      if (closes) fence = undefined;
      continue;
    }
    fence = opensFence(line);
    lines.push(fence ? `${fence.indent}\`\`\`` : convertLine(line));
  }
  if (fence) lines.push(`${fence.indent}\`\`\``);
  return lines.join("\n");
}

function opensFence(line: string): Fence | undefined {
  const [, indent = "", marker = "", info = ""] = fenceOpening.exec(line) ?? [];
  // A backtick fence's info string has no backticks: ```like this``` on one line is inline monospace.
  if (!marker || (marker.startsWith("`") && info.includes("`"))) return undefined;
  return { indent, marker };
}

/** Closed by a fence of the same character, at least as long, with nothing after it. */
function closesFence(fence: Fence, line: string): boolean {
  const marker = fenceClosing.exec(line)?.[1];
  return marker !== undefined && marker[0] === fence.marker[0] && marker.length >= fence.marker.length;
}

function convertLine(line: string): string {
  const [, prefix = "", rest = ""] = linePrefix.exec(line) ?? [];
  if (horizontalRule.test(rest)) return `${prefix}———`;
  // Four spaces of indentation make a code line in Markdown, not a heading.
  const title = /^[^\S\n]{4}/.test(prefix.replace(/^.*>/s, "")) ? undefined : headingText(rest);
  if (title !== undefined) return `${prefix}${title ? `*${toWhatsAppInline(title, true)}*` : ""}`;
  const item = bullet.exec(rest);
  if (item) return `${prefix}-${toWhatsAppInline(item[1] ?? "")}`;
  return `${prefix}${toWhatsAppInline(rest)}`;
}

/**
 * A heading's text (`## Title ##` → `Title`, a bare `#` → ``), or undefined when `rest` is no heading:
 * one to six `#`, then nothing or blanks and the text, and an optional closing run of `#` after a blank.
 * Scanned rather than matched: the regex this replaces backtracked quadratically over blanks in the text.
 */
function headingText(rest: string): string | undefined {
  let level = 0;
  while (rest.charCodeAt(level) === 0x23) level++;
  let end = rest.length;
  while (end > level && isBlank(rest.charCodeAt(end - 1))) end--;
  if (level === 0 || level > 6 || (end > level && !isBlank(rest.charCodeAt(level)))) return undefined;
  let start = level;
  while (start < end && isBlank(rest.charCodeAt(start))) start++;
  // A closing run of `#` counts only after a blank, and never as the whole text (`# #` reads "#").
  let closing = end;
  while (closing > start && rest.charCodeAt(closing - 1) === 0x23) closing--;
  let textEnd = closing;
  while (textEnd > start && isBlank(rest.charCodeAt(textEnd - 1))) textEnd--;
  return textEnd > start && textEnd < closing && closing < end
    ? rest.slice(start, textEnd)
    : rest.slice(start, end);
}
