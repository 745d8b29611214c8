/**
 * The web app's Markdown pipeline (react-markdown 10, remark-gfm 4, rehype-highlight 7, configured as in
 * src/components/markdown/markdown.tsx) rendered to HTML on the server, over the adversarial inputs the
 * service's text path is measured on, at 20k, 40k and 80k characters. The ratio 80k/20k shows the growth:
 * ~4 is linear, ~16 quadratic. Not a test: `node bench/markdown-worst.mjs` prints a table.
 */
import { performance } from "node:perf_hooks";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";

const sizes = (process.argv.find((a) => a.startsWith("--sizes="))?.slice(8) ?? "20000,40000,80000")
  .split(",")
  .map(Number);

const run = (head, unit, tail) => (size) => head + unit.repeat(Math.ceil(size / unit.length)) + tail;
const families = {
  "spaces between words": run("a", " ", "b"),
  "line breaks": run("a", "\n", "b"),
  "closers after a stop": run("a.", ")", " b"),
  "no spaces at all": run("", "x", ""),
  "emoji (surrogate pairs)": run("", "😀", ""),
  "a heading full of blanks": run("# a", " ", "b"),
  "unclosed image openings": run("", "![", ""),
  "unclosed link openings": run("", "[a", ""),
  "unmatched emphasis marks": run("", "**a ", ""),
  "alternating emphasis": run("", "*_", ""),
  backticks: run("", "`a", ""),
  "nested quotes": run("", ">", " a"), // overflows the stack past ~5 000 (measured apart, see docs)
  "nested lists": run("", "- ", "a"),
  "table cells": run("| a |\n|---|\n", "|", ""),
  "autolink-like": run("", "www.a", ""),
  "code block (highlighted, auto-detected)": run("```\n", "a = b + c; ", "\n```"),
  "code block (highlighted, ts)": run("```ts\n", "const a = b(c); ", "\n```"),
  "ordinary prose": run("", "The quick brown fox jumps over the lazy dog. ", ""),
};

const render = (text) =>
  renderToString(
    createElement(
      ReactMarkdown,
      { skipHtml: true, remarkPlugins: [remarkGfm], rehypePlugins: [rehypeHighlight] },
      text,
    ),
  );

render(families["ordinary prose"](20_000)); // warm-up
console.log(`| input | ${sizes.map((s) => `${s / 1000}k ms`).join(" | ")} | last/first |`);
console.log(`|---|${sizes.map(() => "---|").join("")}---|`);
for (const [name, make] of Object.entries(families)) {
  const ms = sizes.map((size) => {
    const start = performance.now();
    try {
      render(make(size));
    } catch (error) {
      return `${error.name}`;
    }
    return performance.now() - start;
  });
  if (ms.some((m) => typeof m === "string")) {
    console.log(`| ${name} | ${ms.map((m) => (typeof m === "string" ? m : m.toFixed(0))).join(" | ")} | – |`);
    continue;
  }
  console.log(`| ${name} | ${ms.map((m) => m.toFixed(0)).join(" | ")} | ${(ms.at(-1) / ms[0]).toFixed(1)} |`);
}
