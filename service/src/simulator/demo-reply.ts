/**
 * The reply a person sees when Parley runs without an API key: a short markdown answer that mentions the
 * question, varied by a hash of it (the same question always gets the same answer, which keeps tests and
 * screenshots stable) and plainly marked as simulated.
 */

const openings = [
  "Good question. Here is how I would think about it.",
  "Let's break this down into a few parts.",
  "There are a couple of ways to look at this.",
  "Short answer: it depends, but here is a sensible starting point.",
];

const points = [
  "Start with the simplest version that works, then measure before optimising.",
  "Write down the assumptions you are making; most surprises hide there.",
  "Check the edge cases: empty input, very long input and unusual characters.",
  "Keep each step small enough that a mistake is cheap to undo.",
  "Ask what would change your mind, and look for that evidence first.",
  "Prefer a boring, well-understood approach over a clever one.",
  "Test the behaviour you care about, not the implementation details.",
];

const closings = [
  "If you tell me more about your situation, I can be more specific.",
  "Want me to go deeper into any of these points?",
  "Hope that helps as a starting point.",
];

/**
 * Builds the demo answer to `question` (the last user message); naming the `model` asked for, when
 * given, so a person (and a test) can see which model answered.
 */
export function demoReply(question: string, model?: string): string {
  const topic = summarise(question);
  const seed = hash(question);
  const pick = <T>(items: readonly T[], salt: number): T => items[(seed + salt * 7919) % items.length] as T;
  const firstPoint = seed % points.length;
  const list = [0, 1, 2].map((i) => `- ${points[(firstPoint + i * 3) % points.length]}`).join("\n");
  const parts = [
    model
      ? `*(simulated reply by ${model}: Parley is running without an OpenAI API key)*`
      : `*(simulated reply: Parley is running without an OpenAI API key)*`,
    `You asked about **${topic}**. ${pick(openings, 1)}`,
    list,
  ];
  if (seed % 3 === 0) {
    parts.push(
      "A tiny sketch, to make it concrete:",
      [
        "```ts",
        `const question = ${JSON.stringify(topic)};`,
        "console.log(`Thinking about ${question}...`);",
        "```",
      ].join("\n"),
    );
  }
  // Asked for a table, the demo answers with one (so a table can be seen, and tested, without a key).
  if (/\btables?\b/i.test(question)) {
    parts.push(
      [
        "| Approach | When it fits | Cost |",
        "| --- | --- | ---: |",
        "| The simplest thing | Most of the time | 1 |",
        "| A careful design | When the stakes are high | 3 |",
        "| Something clever | Rarely | 8 |",
      ].join("\n"),
    );
  }
  parts.push(pick(closings, 2));
  return parts.join("\n\n");
}

/** The first few words of the question, on one line, without markdown that would break the bold. */
function summarise(question: string): string {
  const words = question
    .replace(/[`*_\\]/g, "")
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return "nothing in particular";
  const head = words.slice(0, 8).join(" ");
  return words.length > 8 ? `${head}…` : head;
}

/** FNV-1a: tiny, deterministic and spreads similar questions apart. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
