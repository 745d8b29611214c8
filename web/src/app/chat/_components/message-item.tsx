"use client";

import { AlertTriangle, RotateCw, Sparkles, Square, WifiOff } from "lucide-react";
import { Markdown } from "~/components/markdown/markdown";
import type { ReplyStatus } from "~/lib/chat-types";
import { codePointLength } from "~/lib/code-points";
import type { ViewMessage } from "./merge-messages";

/** How an answer that did not complete ended, as shown under it and announced to screen readers. */
export const replyEndings: Partial<Record<ReplyStatus, { label: string; detail: string; retry: boolean }>> = {
  stopped: { label: "Stopped", detail: "You stopped this answer.", retry: false },
  incomplete: { label: "Cut off", detail: "This answer did not finish.", retry: true },
  interrupted: { label: "Interrupted", detail: "Parley restarted while answering.", retry: true },
  failed: { label: "Failed", detail: "The model could not answer this time.", retry: true },
};

function ThinkingDots() {
  return (
    <span className="inline-flex items-center gap-1 py-2" role="img" aria-label="Parley is thinking">
      <span className="thinking-dot size-1.5 rounded-full bg-faint" />
      <span className="thinking-dot size-1.5 rounded-full bg-faint" />
      <span className="thinking-dot size-1.5 rounded-full bg-faint" />
    </span>
  );
}

export function MessageItem({ message, onRegenerate }: { message: ViewMessage; onRegenerate?: () => void }) {
  if (message.role === "user") {
    return (
      <div
        id={`message-${message.id}`}
        className="flex scroll-mt-4 justify-end"
        data-testid="message"
        data-role="user"
      >
        <div className="max-w-[85%] rounded-2xl rounded-br-md bg-bubble px-4 py-2.5 text-[15px] leading-relaxed whitespace-pre-wrap sm:max-w-[75%]">
          {message.content}
        </div>
      </div>
    );
  }

  const streaming = message.status === "streaming";
  const phase = message.live?.phase;
  const ending = replyEndings[message.status];
  return (
    <div
      id={`message-${message.id}`}
      className="flex scroll-mt-4 gap-3 sm:gap-4"
      data-testid="message"
      data-role="assistant"
      data-status={message.status}
      data-length={codePointLength(message.content)}
    >
      <span className="mt-0.5 grid size-7 shrink-0 place-items-center rounded-full bg-gradient-to-br from-indigo-500 to-violet-600 text-white shadow-sm">
        <Sparkles className="size-3.5" aria-hidden />
      </span>
      <div className="min-w-0 flex-1 pt-0.5 text-[15px]">
        {message.content.length === 0 && streaming ? (
          <ThinkingDots />
        ) : (
          <div data-testid="message-content">
            <Markdown text={message.content} className={streaming ? "typing-caret" : undefined} />
          </div>
        )}
        {phase === "reconnecting" && (
          <p className="mt-2 inline-flex items-center gap-1.5 text-xs text-warn">
            <WifiOff className="size-3.5" aria-hidden /> Reconnecting…
          </p>
        )}
        {ending && (
          <div className="mt-3 flex flex-wrap items-center gap-2 text-xs">
            <span
              data-testid="reply-ending"
              className={`inline-flex items-center gap-1.5 rounded-full px-2.5 py-1 font-medium ${
                message.status === "stopped" ? "bg-panel text-muted" : "bg-danger-soft text-danger"
              }`}
            >
              {message.status === "stopped" ? (
                <Square className="size-3 fill-current" aria-hidden />
              ) : (
                <AlertTriangle className="size-3.5" aria-hidden />
              )}
              {ending.label}
            </span>
            <span className="text-faint">{ending.detail}</span>
            {ending.retry && onRegenerate && (
              <button
                type="button"
                onClick={onRegenerate}
                className="inline-flex items-center gap-1 rounded-md px-2 py-1 font-medium text-accent hover:bg-accent-soft"
              >
                <RotateCw className="size-3.5" aria-hidden /> Try again
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
