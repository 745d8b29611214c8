"use client";

import { useEffect, useId, useRef, type KeyboardEvent } from "react";
import { Spinner } from "~/components/spinner";
import { trapTab } from "./trap-tab";

/**
 * A modal question on a native <dialog> (the page behind is inert, Escape cancels). Tab and Shift+Tab cycle
 * inside it rather than leaving for the browser's own controls, and focus goes back to what opened it.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  pending: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
    }
    if (!props.open && element.open) {
      element.close();
      if (opener.current?.isConnected) opener.current.focus();
      opener.current = null;
    }
  }, [props.open]);

  function keepTabInside(event: KeyboardEvent<HTMLDialogElement>) {
    trapTab(event, [...event.currentTarget.querySelectorAll<HTMLElement>("button:not(:disabled)")]);
  }

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onKeyDown={keepTabInside}
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
      onClick={(event) => {
        if (event.target === dialog.current) props.onCancel();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-sm rounded-2xl border border-line bg-raised p-0 text-fg shadow-2xl backdrop:bg-black/40 backdrop:backdrop-blur-[2px]"
    >
      <div className="p-6">
        <h2 id={titleId} className="text-lg font-semibold tracking-tight">
          {props.title}
        </h2>
        <p id={bodyId} className="mt-2 text-sm text-muted">
          {props.body}
        </p>
        <div className="mt-6 flex justify-end gap-2">
          <button
            type="button"
            onClick={props.onCancel}
            autoFocus
            className="rounded-lg border border-line px-4 py-2 text-sm font-medium hover:bg-panel"
          >
            Cancel
          </button>
          <button
            type="button"
            onClick={props.onConfirm}
            disabled={props.pending}
            className="inline-flex items-center gap-2 rounded-lg bg-danger px-4 py-2 text-sm font-medium text-danger-fg shadow-sm hover:opacity-90 disabled:opacity-60"
          >
            {props.pending && <Spinner />}
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}
