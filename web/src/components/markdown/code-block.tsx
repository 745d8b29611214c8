"use client";

import { Check, Copy } from "lucide-react";
import { isValidElement, useRef, useState, type ReactNode } from "react";

/** The language named on a fenced block (`language-ts` → `ts`), if any. */
function languageOf(children: ReactNode): string | null {
  if (!isValidElement<{ className?: string }>(children)) return null;
  const match = /language-([\w+#.-]+)/.exec(children.props.className ?? "");
  return match?.[1] ?? null;
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

/** A highlighted code block with its language and a copy button. */
export function CodeBlock({ children }: { children: ReactNode }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);
  const language = languageOf(children);

  async function copy() {
    await copyText(pre.current?.textContent ?? "");
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }

  return (
    <div className="group/code my-4 overflow-hidden rounded-xl border border-zinc-800 bg-[#0d1117] text-zinc-100 shadow-sm">
      <div className="flex items-center justify-between border-b border-white/10 bg-white/5 px-4 py-1.5 text-xs text-zinc-400">
        <span className="font-mono">{language ?? "text"}</span>
        <button
          type="button"
          onClick={copy}
          className="inline-flex items-center gap-1.5 rounded-md px-2 py-1 transition hover:bg-white/10 hover:text-zinc-100"
          aria-label={copied ? "Copied" : "Copy code"}
        >
          {copied ? <Check className="size-3.5" aria-hidden /> : <Copy className="size-3.5" aria-hidden />}
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      {/* Focusable, so a long line can be scrolled to with the keyboard. */}
      <pre ref={pre} tabIndex={0} className="overflow-x-auto p-4 font-mono text-[13px] leading-relaxed">
        {children}
      </pre>
    </div>
  );
}
