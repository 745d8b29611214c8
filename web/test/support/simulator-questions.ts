/**
 * Questions whose answer from the service's built-in simulator has a known shape. The simulator picks its
 * demo answer by an FNV-1a hash of the question (service/src/simulator/demo-reply.ts), with a code sketch
 * when the hash is a multiple of 3.
 */

/** `prefix (n)` for the first n whose simulated answer includes a code block. */
export function questionWithCode(prefix: string): string {
  const hash = (text: string) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h >>> 0;
  };
  for (let n = 1; ; n++) {
    const question = `${prefix} (${n})`;
    if (hash(question) % 3 === 0) return question;
  }
}
