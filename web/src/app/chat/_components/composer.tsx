"use client";

import { ArrowUp, Square } from "lucide-react";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Spinner } from "~/components/spinner";

interface ComposerProps {
  /** A reply is on its way: sending waits, Stop is offered. */
  answering: boolean;
  /** Stop can be pressed (the reply has an id). */
  canStop: boolean;
  stopping: boolean;
  onSend(text: string): void;
  onStop(): void;
}

const maxHeight = 220;

/**
 * The message box: Enter sends, Shift+Enter starts a new line; Stop while an answer is being written.
 *
 * The box is uncontrolled (React never writes its value), so what a fast typist entered before the page's
 * script loaded stays in it and is picked up on hydration. It stays enabled while an answer is written:
 * the next message can be typed, focus is not thrown away, and Tab reaches Stop.
 */
export function Composer({ answering, canStop, stopping, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);

  // Typed before hydration: React did not see it as a change.
  useEffect(() => {
    if (box.current?.value) setText(box.current.value);
  }, []);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, maxHeight)}px`;
  }, [text]);

  // Focus is in the box when a chat opens (also when a new chat moves to its address mid-answer, which
  // mounts a new view) and again when an answer ends, unless the person is elsewhere (e.g. on the
  // Regenerate button or the version arrows of the answer that just ended): focus is not pulled away.
  useEffect(() => {
    box.current?.focus();
  }, []);
  useEffect(() => {
    const focused = document.activeElement;
    const lost = focused === null || focused === document.body || !focused.isConnected;
    if (!answering && (lost || box.current?.form?.contains(focused))) box.current?.focus();
  }, [answering]);

  const canSend = !answering && text.trim().length > 0;

  function send() {
    if (!canSend) return;
    onSend(text);
    setText("");
    if (box.current) box.current.value = "";
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
      className="relative flex items-end gap-2 rounded-2xl border border-line bg-raised p-2 shadow-lg shadow-black/5 transition focus-within:border-accent focus-within:ring-4 focus-within:ring-accent/25"
    >
      <textarea
        ref={box}
        name="message"
        defaultValue=""
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        rows={1}
        placeholder={answering ? "Parley is answering…" : "Message Parley"}
        aria-label="Message"
        className="max-h-[220px] min-h-[40px] flex-1 resize-none bg-transparent px-2 py-2 text-[15px] leading-6 outline-none placeholder:text-faint"
      />
      {answering ? (
        <button
          key="stop"
          type="button"
          onClick={onStop}
          disabled={!canStop || stopping}
          aria-label="Stop answering"
          title="Stop"
          className="grid size-10 shrink-0 place-items-center rounded-xl bg-fg text-canvas shadow-sm transition hover:opacity-85 disabled:opacity-40"
        >
          {stopping ? <Spinner /> : <Square className="size-3.5 fill-current" aria-hidden />}
        </button>
      ) : (
        <button
          key="send"
          type="submit"
          disabled={!canSend}
          aria-label="Send message"
          title="Send (Enter)"
          className="grid size-10 shrink-0 place-items-center rounded-xl bg-accent text-accent-fg shadow-sm transition hover:opacity-90 disabled:bg-line disabled:text-faint"
        >
          <ArrowUp className="size-5" strokeWidth={2.5} aria-hidden />
        </button>
      )}
    </form>
  );
}
