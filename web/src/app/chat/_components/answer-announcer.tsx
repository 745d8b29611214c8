"use client";

import { useEffect, useRef, useState, type RefObject } from "react";
import { pendingReplyId, type ViewMessage } from "./merge-messages";
import { replyEndings } from "./message-item";

/**
 * A polite live region that tells a screen reader how an answer written in this tab ended: the whole
 * answer once it is complete (as rendered, without markdown syntax), or that it was stopped or failed.
 * Nothing while the words arrive, and nothing for answers that were already finished when the page opened.
 * Failures to send or to resume are announced by their error banner (role="alert"), not repeated here.
 */
export function AnswerAnnouncer({
  last,
  messagesRef,
}: {
  /** The chat's last message. */
  last: ViewMessage | undefined;
  /** Where the messages are rendered, to read the finished answer's text from. */
  messagesRef: RefObject<HTMLElement | null>;
}) {
  const [announcement, setAnnouncement] = useState("");
  const streamingId = useRef<string | null>(null);

  useEffect(() => {
    const id = last?.role === "assistant" ? last.id : null;
    if (id && last?.status === "streaming") {
      // A new answer: what was said about the last one is cleared.
      if (streamingId.current === null) setAnnouncement("");
      streamingId.current = id;
      return;
    }
    const wasStreaming = streamingId.current;
    streamingId.current = null;
    if (!id || !last || !wasStreaming || (wasStreaming !== id && wasStreaming !== pendingReplyId)) return;
    const ending = replyEndings[last.status];
    // The rendered text is only in the DOM after the commit that finished the answer.
    setAnnouncement(ending ? `${ending.label}. ${ending.detail}` : renderedText(messagesRef.current));
  }, [last, messagesRef]);

  return (
    <div aria-live="polite" role="status" className="sr-only" data-testid="announcer">
      {announcement}
    </div>
  );
}

/** The text of the last answer as it is shown. */
function renderedText(messages: HTMLElement | null): string {
  const answers = messages?.querySelectorAll<HTMLElement>(
    '[data-role="assistant"] [data-testid="message-content"]',
  );
  return answers?.[answers.length - 1]?.innerText.trim() ?? "";
}
