"use client";

import { Check, Copy } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import type { CreatedApiKey } from "~/lib/api-key-types";

/** The new key, this once: focus moves to it so it can be read and copied at once. */
export function NewKeyPanel(props: {
  created: CreatedApiKey;
  onDone(): void;
  onAnnounce(text: string): void;
}) {
  const fieldId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => heading.current?.focus(), [props.created.key]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.created.key);
      setCopied(true);
      props.onAnnounce("Key copied to the clipboard.");
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for the person to copy.
      field.current?.select();
      props.onAnnounce("Could not copy: the key is selected, copy it with your keyboard.");
    }
  }

  return (
    <section
      className="mt-6 rounded-xl border border-accent/40 bg-accent-soft p-4"
      aria-labelledby={`${fieldId}-heading`}
      data-testid="new-key"
    >
      <h2
        id={`${fieldId}-heading`}
        ref={heading}
        tabIndex={-1}
        className="text-base font-semibold outline-none"
      >
        Your new key “{props.created.apiKey.name}”
      </h2>
      <p className="mt-1 text-sm text-muted">
        Copy it now: it will not be shown again. Parley keeps only a hash of it.
      </p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <label htmlFor={fieldId} className="sr-only">
          New API key
        </label>
        <input
          id={fieldId}
          ref={field}
          readOnly
          value={props.created.key}
          onFocus={(event) => event.currentTarget.select()}
          className="min-w-0 flex-1 rounded-lg border border-line bg-raised px-3 py-2 font-mono text-sm"
        />
        <button
          type="button"
          onClick={() => void copy()}
          className="inline-flex items-center justify-center gap-2 rounded-lg border border-line bg-raised px-4 py-2 text-sm font-medium hover:border-accent/40"
        >
          {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
          {copied ? "Copied" : "Copy"}
        </button>
        <button
          type="button"
          onClick={props.onDone}
          className="rounded-lg px-4 py-2 text-sm font-medium text-muted hover:bg-line/60 hover:text-fg"
        >
          Done
        </button>
      </div>
    </section>
  );
}
