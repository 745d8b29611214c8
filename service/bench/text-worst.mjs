/**
 * Row 10, run in its own process: the WhatsApp text path (Markdown → WhatsApp formatting, then splitting
 * into 1600-character parts) over adversarial inputs at 20k, 40k and 80k characters. Long runs of one
 * character class are what made backtracking regexes quadratic (a run of spaces in the splitter, a
 * heading full of blanks, a line of `![`, closers after a stop), so each family is timed at three sizes and
 * the ratio 80k/20k shows the growth: ~4 is linear, ~16 quadratic. Prints one JSON line; with --table, a
 * readable table too.
 */
import { performance } from "node:perf_hooks";
import { splitIntoParts } from "../dist/domain/message-parts.js";
import { toWhatsAppText } from "../dist/domain/whatsapp-format.js";

const sizes = [20_000, 40_000, 80_000];
const repetitions = 5;

/** `unit` repeated to `size` characters, between `head` and `tail`. */
const run = (head, unit, tail) => (size) => head + unit.repeat(Math.ceil(size / unit.length)) + tail;

const families = {
  "spaces between words": run("a", " ", "b"),
  "line breaks": run("a", "\n", "b"),
  "mixed blanks after a stop": run("a.", " \t\u00a0\r", "b"),
  "closers after a stop": run("a.", ")", " b"),
  "no spaces at all": run("", "x", ""),
  "emoji (surrogate pairs)": run("", "😀", ""),
  "a heading full of blanks": run("# a", " ", "b"),
  "unclosed image openings": run("", "![", ""),
  "unclosed link openings": run("", "[a", ""),
  "unmatched emphasis marks": run("", "**a ", ""),
  backticks: run("", "`a", ""),
  "code block of blanks": run("```\n", " ", "x\n```"),
  "ordinary prose": run("", "The quick brown fox jumps over the lazy dog. ", ""),
};

const whatsApp = (text) => splitIntoParts(toWhatsAppText(text));

/** The fastest of a few runs: the cost of the input itself, without what other processes took. */
function fastest(text) {
  let best = Infinity;
  for (let i = 0; i < repetitions; i++) {
    const start = performance.now();
    whatsApp(text);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

whatsApp(families["ordinary prose"](20_000)); // warm-up
const results = Object.entries(families).map(([name, make]) => {
  const ms = sizes.map((size) => fastest(make(size)));
  return { name, ms, ratio: ms[2] / Math.max(ms[0], 0.5) };
});

if (process.argv.includes("--table")) {
  console.error(`| input | ${sizes.map((s) => `${s / 1000}k ms`).join(" | ")} | 80k/20k |`);
  console.error(`|---|${sizes.map(() => "---|").join("")}---|`);
  for (const row of results)
    console.error(
      `| ${row.name} | ${row.ms.map((ms) => ms.toFixed(1)).join(" | ")} | ${row.ratio.toFixed(1)} |`,
    );
}
console.log(JSON.stringify({ sizes, results }));
