"use client";

import { useEffect, useRef, useState, type KeyboardEvent } from "react";

const maxHeight = 320;

/**
 * A user message opened for editing, in its own place: the text to change, Save (Ctrl/Cmd+Enter) to
 * send it as a new version, Cancel (Escape) to leave it as it was. Save waits while the chat answers,
 * and for a change that is not blank.
 */
export function MessageEditor({
  text: original,
  busy,
  onSave,
  onCancel,
}: {
  text: string;
  busy: boolean;
  onSave(text: string): void;
  onCancel(): void;
}) {
  const [text, setText] = useState(original);
  const box = useRef<HTMLTextAreaElement>(null);
  const canSave = !busy && text.trim().length > 0 && text !== original;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, maxHeight)}px`;
  }, [text]);

  function save() {
    if (canSave) onSave(text);
  }

  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    }
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
      onKeyDown={onKeyDown}
      className="w-full max-w-[85%] rounded-2xl border border-line bg-raised p-2 shadow-sm transition focus-within:border-accent focus-within:ring-4 focus-within:ring-accent/25 sm:max-w-[75%]"
      data-testid="message-editor"
    >
      <textarea
        ref={box}
        value={text}
        onChange={(event) => setText(event.target.value)}
        aria-label="Edit your message"
        rows={1}
        className="block max-h-[320px] min-h-[48px] w-full resize-none bg-transparent px-2 py-1.5 text-[15px] leading-relaxed outline-none"
      />
      <div className="flex items-center justify-end gap-2 pt-1">
        <span className="mr-auto hidden px-2 text-xs text-muted sm:inline">
          Ctrl+Enter to save · Esc to cancel
        </span>
        <button
          type="button"
          onClick={onCancel}
          className="rounded-lg px-3 py-1.5 text-sm font-medium text-muted hover:bg-panel hover:text-fg"
        >
          Cancel
        </button>
        <button
          type="submit"
          disabled={!canSave}
          className="rounded-lg bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg hover:opacity-90 disabled:bg-line disabled:text-faint"
        >
          Save
        </button>
      </div>
    </form>
  );
}
