import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";

const render = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("Markdown", () => {
  it("never renders raw HTML from an answer", () => {
    const html = render('Hi <script>alert(1)</script><img src=x onerror="alert(2)"> <b>bold?</b>');
    expect(html).not.toMatch(/<script|<img|onerror|<b>/i);
  });

  it("drops javascript: links and opens the others in a new tab without an opener", () => {
    expect(render("[click](javascript:alert(1))")).not.toContain("javascript:");
    expect(render("[docs](https://example.com/docs)")).toContain(
      '<a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">docs</a>',
    );
  });

  it("turns images into links, so an answer cannot make the browser fetch a URL", () => {
    const html = render("![a cat](https://tracker.example/cat.png)");
    expect(html).not.toContain("<img");
    expect(html).toContain('href="https://tracker.example/cat.png"');
  });

  it("highlights fenced code and offers a copy button; renders GitHub tables", () => {
    const html = render("```ts\nconst x: number = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |");
    expect(html).toMatch(/<code class="hljs language-ts">.*<span class="hljs-keyword">const<\/span>/s);
    expect(html).toContain('aria-label="Copy code"');
    expect(html).toContain("<table>");
  });
});

// Inputs that overflowed the stack or took seconds in the Markdown pipeline (web/bench/markdown-worst.mjs).
describe("Markdown, on inputs the pipeline cannot render in bounded time", () => {
  it.each([
    ["5 000 nested quotes", `${">".repeat(5000)} a`],
    ["2 000 nested list markers", `${"- ".repeat(2000)}a`],
    ["20 000 characters of alternating emphasis marks", "*_".repeat(10_000)],
  ])("shows %s as plain text", (_, text) => {
    const html = render(text);
    expect(html).toContain('class="markdown whitespace-pre-wrap');
    expect(html).toContain(text.slice(0, 100).replace(/>/g, "&gt;"));
  });

  it("still renders nested quotes, lists and emphasis of real answers as Markdown", () => {
    const html = render("> > quoted **twice**\n\n- a\n  - b\n    - c *d* _e_ ~~f~~");
    expect(html).toContain("<blockquote>");
    expect(html).toContain("<strong>twice</strong>");
    expect(html).toContain("<del>f</del>");
  });
});
