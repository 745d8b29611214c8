"use client";

import { Search, X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { maxSearchQueryBytes } from "~/lib/search-types";

const debounceMs = 250;

/** Whether a key press happened while typing somewhere (then `/` is a character, not a shortcut). */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * The sidebar's search box. Ctrl+K / ⌘K from anywhere, or `/` when not typing, puts the cursor in it;
 * Escape clears it. Reports the trimmed query once typing pauses.
 */
export function SearchBox({ onQuery }: { onQuery(query: string): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const modK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k";
      const slash =
        event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingIn(event.target);
      if (!modK && !slash) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // The service takes up to 256 bytes (UTF-8): longer words are not sent, and the box says why.
  const tooLong = new TextEncoder().encode(text.trim()).length > maxSearchQueryBytes;
  useEffect(() => {
    if (tooLong) return;
    const timer = setTimeout(() => onQuery(text.trim()), text.trim() === "" ? 0 : debounceMs);
    return () => clearTimeout(timer);
  }, [text, tooLong, onQuery]);

  return (
    <form role="search" onSubmit={(event) => (event.preventDefault(), onQuery(text.trim()))}>
      <div className="relative">
        <Search
          className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted"
          aria-hidden
        />
        <input
          ref={input}
          id="chat-search"
          type="search"
          aria-label="Search chats"
          value={text}
          maxLength={maxSearchQueryBytes}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape" && text !== "") {
              event.preventDefault();
              setText("");
            }
          }}
          placeholder="Search chats"
          aria-keyshortcuts="Control+K Meta+K /"
          autoComplete="off"
          className="w-full rounded-lg border border-line bg-raised py-2 pr-16 pl-9 text-sm placeholder:text-muted focus:border-accent/60 [&::-webkit-search-cancel-button]:hidden"
        />
        {text === "" ? (
          <kbd className="pointer-events-none absolute top-1/2 right-2 -translate-y-1/2 rounded border border-line px-1.5 text-[11px] text-muted">
            Ctrl K
          </kbd>
        ) : (
          <button
            type="button"
            onClick={() => {
              setText("");
              input.current?.focus();
            }}
            className="absolute top-1/2 right-1.5 grid size-7 -translate-y-1/2 place-items-center rounded-md text-muted hover:bg-line/60"
            aria-label="Clear the search"
          >
            <X className="size-4" aria-hidden />
          </button>
        )}
      </div>
      {tooLong && (
        <p className="mt-1 px-1 text-xs text-danger" role="alert">
          That is too long to search for: use fewer words.
        </p>
      )}
    </form>
  );
}
