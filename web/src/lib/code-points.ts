/**
 * Reply offsets count Unicode code points (the service's unit), not UTF-16 units: an emoji is 1, not 2.
 */

/** How many code points `text` has. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** `text` without its first `count` code points. */
export function dropCodePoints(text: string, count: number): string {
  if (count <= 0) return text;
  return [...text].slice(count).join("");
}
