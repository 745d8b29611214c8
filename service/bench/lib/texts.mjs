/** Deterministic text for prompts, stored history and deltas: English-like words, token-sized deltas. */

const words = (
  "the service streams each answer as it is generated and stores the whole reply once it ends so a " +
  "reader who reloads the page can pick up where the answer was while the model keeps writing tokens " +
  "about databases queues latency memory throughput parsers encoders sockets windows budgets and tests"
).split(" ");

/** `count` deltas of one word each, with the leading space tokens usually carry. */
export function deltaTexts(count) {
  return Array.from({ length: count }, (_, i) => ` ${words[(i * 7) % words.length]}`);
}

/** A paragraph of about `chars` characters, varied by `seed`. */
export function paragraph(chars, seed = 0) {
  let text = "";
  for (let i = seed; text.length < chars; i++) text += `${words[(i * 13 + seed) % words.length]} `;
  return `${text.slice(0, chars - 1).trimEnd()}.`;
}
