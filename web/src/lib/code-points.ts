/**
 * Reply offsets count Unicode code points (the service's unit), not UTF-16 units: an emoji is 1, not 2.
 */

/** How many code points `text` has. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** The part of `text` after its first `offset` code points (the service's function of the same name). */
export function sliceFromCodePoint(text: string, offset: number): string {
  if (offset <= 0) return text;
  return [...text].slice(offset).join("");
}
