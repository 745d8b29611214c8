"use client";

import { AlertTriangle, Pencil, RotateCw, Sparkles, Square, WifiOff } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Markdown } from "~/components/markdown/markdown";
import type { ReplyStatus } from "~/lib/chat-types";
import { codePointLength } from "~/lib/code-points";
import { pendingReplyId, pendingUserId, type ViewMessage } from "./merge-messages";
import { MessageEditor } from "./message-editor";
import { ToolButton, VersionSwitcher } from "./message-tools";

/** How an answer that did not complete ended, as shown under it and announced to screen readers. */
export const replyEndings: Partial<Record<ReplyStatus, { label: string; detail: string }>> = {
  stopped: { label: "Stopped", detail: "You stopped this answer." },
  incomplete: { label: "Cut off", detail: "This answer did not finish." },
  interrupted: { label: "Interrupted", detail: "Parley restarted while answering." },
  failed: { label: "Failed", detail: "The model could not answer this time." },
};

export interface MessageItemProps {
  message: ViewMessage;
  /** The chat is answering (or switching versions): what starts a turn or switches waits. */
  busy: boolean;
  /** Writes another answer in this one's place (answers only). */
  onRegenerate(message: ViewMessage): void;
  /** Sends `text` as a new version of this message (the user's messages only). */
  onEdit(message: ViewMessage, text: string): void;
  /** Shows the version `messageId` of this message instead. */
  onSwitch(messageId: string): void;
}

function ThinkingDots() {
  return (
    <span className="inline-flex items-center gap-1 py-2" role="img" aria-label="Parley is thinking">
      <span className="thinking-dot size-1.5 rounded-full bg-faint" />
      <span className="thinking-dot size-1.5 rounded-full bg-faint" />
      <span className="thinking-dot size-1.5 rounded-full bg-faint" />
    </span>
  );
}

export function MessageItem(props: MessageItemProps) {
  return props.message.role === "user" ? <UserMessage {...props} /> : <AnswerMessage {...props} />;
}

function UserMessage({ message, busy, onEdit, onSwitch }: MessageItemProps) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  // Leaving the editor (saved or not) gives focus back to the Edit button it was opened from.
  useEffect(() => {
    if (editing || !refocus.current) return;
    refocus.current = false;
    editButton.current?.focus();
  }, [editing]);
  const close = () => {
    refocus.current = true;
    setEditing(false);
  };
  const stored = message.id !== pendingUserId;
  return (
    <div
      id={`message-${message.id}`}
      className="flex scroll-mt-4 flex-col items-end gap-1"
      data-testid="message"
      data-role="user"
      data-message-id={message.id}
    >
      {editing ? (
        <MessageEditor
          text={message.content}
          busy={busy}
          onCancel={close}
          onSave={(text) => {
            onEdit(message, text);
            close();
          }}
        />
      ) : (
        <>
          <div
            className="max-w-[85%] rounded-2xl rounded-br-md bg-bubble px-4 py-2.5 text-[15px] leading-relaxed whitespace-pre-wrap sm:max-w-[75%]"
            data-testid="message-content"
          >
            {message.content}
          </div>
          {/* Right-aligned: the arrows, when they come, grow leftwards and Edit stays where it is. */}
          <div className="-mr-1.5 flex h-8 items-center gap-1">
            <VersionSwitcher message={message} disabled={busy} onSwitch={onSwitch} />
            <ToolButton
              ref={editButton}
              label="Edit message"
              disabled={busy || !stored}
              onClick={() => setEditing(true)}
            >
              <Pencil className="size-3.5" aria-hidden />
            </ToolButton>
          </div>
        </>
      )}
    </div>
  );
}

function AnswerMessage({ message, busy, onRegenerate, onSwitch }: MessageItemProps) {
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
      data-message-id={message.id}
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
          </div>
        )}
        {/* Always there (also while the answer is written), so nothing moves when it ends; the arrows
            come after Regenerate, so their arrival (once a second version exists) moves nothing either. */}
        <div className="mt-1 -ml-1.5 flex h-8 items-center gap-1">
          <ToolButton
            label="Regenerate"
            disabled={busy || message.id === pendingReplyId}
            onClick={() => onRegenerate(message)}
          >
            <RotateCw className="size-3.5" aria-hidden />
          </ToolButton>
          <VersionSwitcher message={message} disabled={busy} onSwitch={onSwitch} />
        </div>
      </div>
    </div>
  );
}
