/** Whitespace by code unit, for scanners that must not backtrack the way a regex over `\s` runs can. */

/** What JavaScript's `\s` and `trim()` call whitespace (WhiteSpace and LineTerminator), by code unit. */
export function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Whitespace other than a line break: what `[^\S\n]` matches. */
export function isBlank(code: number): boolean {
  return code !== 0x0a && isWhitespace(code);
}
