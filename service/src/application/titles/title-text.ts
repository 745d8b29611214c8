/**
 * What a title request says, and what is kept of the answer. Models wrap titles in quotes, prefix them
 * with "Title:", add Markdown or a full stop, or ramble on for lines: the answer is cut to one clean line.
 */
import { titleFrom } from "../../domain/chat.js";
import type { PromptMessage } from "../replies/chat-model.js";

/** The longest generated title, in characters (a user's own may be longer). */
export const maxGeneratedTitleLength = 80;

/** How much of the question and the answer the title request quotes, in characters each. */
const excerptLength = 1_500;

/** The tokens a title may take: a few words. */
export const titleOutputTokens = 24;

/**
 * The most of a title answer read, in UTF-16 units: far above what `titleOutputTokens` yields, so only a
 * server that ignores the cap reaches it. It bounds the memory, the estimate's tokenizing and the
 * sanitizer's work per title.
 */
export const titleAnswerCap = 2_000;

/** The words the request ends with (tests script the simulator's answer on them). */
export const titleRequestMarker = "Write a title of at most six words for the conversation above";

/** The prompt asking for a title of the exchange `question` → `answer`. */
export function titleRequestMessages(question: string, answer: string): PromptMessage[] {
  const excerpt = (text: string) => [...text.trim()].slice(0, excerptLength).join("");
  return [
    { role: "system", content: "You name conversations with short, specific titles." },
    {
      role: "user",
      content:
        `User: ${excerpt(question)}\n\nAssistant: ${excerpt(answer)}\n\n` +
        `${titleRequestMarker}, in the conversation's language. Answer with the title only.`,
    },
  ];
}

const quotes = `"'\`“”‘’„«»‹›「」『』`;
const surroundingQuotes = new RegExp(`^[${quotes}]+|[${quotes}]+$`, "gu");
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const controls = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/gu;

/**
 * The title in a model's answer: its first non-blank line, without a "Title:" label, Markdown marks,
 * surrounding quotes, control characters or a closing full stop, whitespace collapsed, at most
 * `maxGeneratedTitleLength` characters (cut at a word). null when nothing is left.
 */
export function sanitizeTitle(raw: string): string | null {
  const line =
    raw
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? "";
  const cleaned = line
    .replace(controls, " ")
    .replace(/\*\*|__|`/g, "")
    .replace(/^(?:#+|>|[-*•]|\d+[.)])\s*/u, "")
    .replace(/^\s*(?:title|titre|título|titel|titolo)\s*[:：-]\s*/iu, "")
    .trim()
    .replace(surroundingQuotes, "")
    .replace(/\s*[.。]+$/u, "")
    .replace(/\s+/g, " ")
    .trim();
  if (cleaned.length === 0) return null;
  return titleFrom(cleaned, maxGeneratedTitleLength);
}
