"use client";

import { ChevronLeft, ChevronRight } from "lucide-react";
import { useId, type ReactNode, type Ref } from "react";
import type { ChatMessage } from "~/lib/chat-types";

/**
 * An icon button under a message. When it cannot be used now it is `aria-disabled`, not `disabled`: it
 * stays focusable, so focus is not thrown away when the chat starts answering under a keyboard user.
 */
export function ToolButton({
  label,
  disabled,
  onClick,
  children,
  describedBy,
  ref,
}: {
  label: string;
  disabled: boolean;
  onClick(): void;
  children: ReactNode;
  describedBy?: string | undefined;
  ref?: Ref<HTMLButtonElement> | undefined;
}) {
  return (
    <button
      ref={ref}
      type="button"
      aria-label={label}
      title={label}
      aria-disabled={disabled || undefined}
      aria-describedby={describedBy}
      onClick={disabled ? undefined : onClick}
      className="grid size-8 shrink-0 place-items-center rounded-md text-muted transition hover:bg-panel hover:text-fg aria-disabled:cursor-not-allowed aria-disabled:text-faint aria-disabled:hover:bg-transparent"
    >
      {children}
    </button>
  );
}

/**
 * `< 2/3 >`: which version of a message this is (regenerated answers, edited messages) and the way to its
 * neighbours. Nothing when there is only one. The position is a polite live region and describes both
 * arrows, so a screen reader says where it is after each switch.
 */
export function VersionSwitcher({
  message,
  disabled,
  onSwitch,
}: {
  message: ChatMessage;
  /** The chat is answering or switching: the arrows wait. */
  disabled: boolean;
  onSwitch(messageId: string): void;
}) {
  const positionId = useId();
  if (message.siblingCount <= 1) return null;
  const { previousSiblingId: previous, nextSiblingId: next, siblingIndex, siblingCount } = message;
  return (
    <div className="flex items-center" data-testid="versions">
      <ToolButton
        label="Previous version"
        describedBy={positionId}
        disabled={disabled || previous === null}
        onClick={() => previous && onSwitch(previous)}
      >
        <ChevronLeft className="size-4" aria-hidden />
      </ToolButton>
      <span id={positionId} aria-live="polite" aria-atomic="true" className="min-w-[4ch] text-center text-xs">
        <span aria-hidden="true" className="text-muted tabular-nums" data-testid="version-position">
          {siblingIndex + 1}/{siblingCount}
        </span>
        <span className="sr-only">
          Version {siblingIndex + 1} of {siblingCount}
        </span>
      </span>
      <ToolButton
        label="Next version"
        describedBy={positionId}
        disabled={disabled || next === null}
        onClick={() => next && onSwitch(next)}
      >
        <ChevronRight className="size-4" aria-hidden />
      </ToolButton>
    </div>
  );
}
