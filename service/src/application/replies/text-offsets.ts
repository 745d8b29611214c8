/**
 * Offsets in a reply are counted in Unicode code points, so every client language agrees on them
 * (JavaScript strings count UTF-16 units, Go strings bytes). These helpers convert cheaply.
 */

/** Code points in `text`: UTF-16 length minus the low halves of surrogate pairs. */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) length--;
  }
  return length;
}

/** The part of `text` after its first `offset` code points. */
export function sliceFromCodePoint(text: string, offset: number): string {
  if (offset <= 0) return text;
  let index = 0;
  for (let seen = 0; seen < offset && index < text.length; seen++) {
    const unit = text.charCodeAt(index);
    index += unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length ? 2 : 1;
  }
  return text.slice(index);
}
