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
