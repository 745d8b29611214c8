/**
 * Whether the Markdown pipeline (react-markdown 10, remark-gfm 4, rehype-highlight 7) can render `text` in
 * bounded time and stack. Measured with bench/markdown-worst.mjs: it recurses once per level of nesting,
 * so ~4 000 `>` (or ~1 000 `- `) at the start of one line overflow the stack, and matching emphasis is
 * quadratic in the marks of a paragraph (20 000 characters of `*_` took 20 s). A model can write either;
 * such an answer is shown as plain text instead. One linear scan, no regex.
 */

/** Deeper nesting than any real answer has, far below the depth that overflows. */
export const maxNesting = 32;
/** Emphasis marks (`*`, `_`, `~`) in one answer; real answers have tens, code-heavy ones a few hundred. */
export const maxEmphasisMarks = 2000;
/** Characters in one answer rendered as Markdown. */
export const maxMarkdownLength = 100_000;

export function canRenderAsMarkdown(text: string): boolean {
  if (text.length > maxMarkdownLength) return false;
  let marks = 0;
  let lineStart = true;
  let nesting = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "*" || char === "_" || char === "~") marks++;
    if (char === "\n") {
      lineStart = true;
      nesting = 0;
      continue;
    }
    if (!lineStart || char === " " || char === "\t") continue;
    // A container marker at the start of a line: a quote, or a bullet or number followed by a blank.
    if (char === ">" || ((char === "-" || char === "*" || char === "+") && /[ \t]/.test(text[i + 1] ?? ""))) {
      nesting++;
    } else if (!(char! >= "0" && char! <= "9") && char !== "." && char !== ")") {
      lineStart = false;
    }
    if (nesting > maxNesting) return false;
  }
  return marks <= maxEmphasisMarks;
}
