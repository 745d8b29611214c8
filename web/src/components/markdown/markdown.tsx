"use client";

import { memo } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "./code-block";
import { canRenderAsMarkdown } from "./markdown-bounds";

/**
 * An answer rendered as GitHub-flavoured markdown, safely: raw HTML in the text is dropped (no rehype-raw),
 * react-markdown's URL filter removes `javascript:` and the like, and links open in a new tab without
 * giving it a handle on this one. Images become links, so an answer cannot make the browser fetch a URL.
 */
const components: Components = {
  a: ({ node: _node, href, children, ...props }) => (
    <a {...props} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ),
  pre: ({ node: _node, children }) => <CodeBlock>{children}</CodeBlock>,
  // A wide table scrolls sideways: focusable, so the keyboard can scroll it too.
  table: ({ node: _node, children }) => (
    <div className="markdown-table" role="region" aria-label="Table" tabIndex={0}>
      <table>{children}</table>
    </div>
  ),
  // Images in an answer would make the browser fetch whatever URL the model wrote: show a link instead.
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer">
        {alt || src}
      </a>
    ) : null,
};

const remarkPlugins = [remarkGfm];
const rehypePlugins = [rehypeHighlight];

export const Markdown = memo(function Markdown({ text, className }: { text: string; className?: string }) {
  // An answer the pipeline cannot render in bounded time (deep nesting, thousands of emphasis marks) is
  // shown as it was written.
  if (!canRenderAsMarkdown(text)) {
    return <div className={`markdown whitespace-pre-wrap break-words ${className ?? ""}`}>{text}</div>;
  }
  return (
    <div className={`markdown ${className ?? ""}`}>
      <ReactMarkdown
        skipHtml
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
