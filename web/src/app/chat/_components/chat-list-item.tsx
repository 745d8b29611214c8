"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Check, Pencil, Trash2, X } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ChatSummary } from "~/lib/chat-types";
import { maxTitleLength } from "~/lib/limits";
import { errorMessage, useTRPC } from "~/trpc/client";
import { ConfirmDialog } from "./confirm-dialog";
import { useLiveReplyStore } from "./live-replies";

/** One chat in the sidebar: a link, renamed in place, deleted after a confirmation. */
export function ChatListItem({ chat, active }: { chat: ChatSummary; active: boolean }) {
  const router = useRouter();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const store = useLiveReplyStore();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  // Renaming ended from the keyboard or its buttons: focus goes back to Rename (a blur went elsewhere).
  const refocusRename = useRef(false);

  useEffect(() => {
    if (editing || !refocusRename.current) return;
    refocusRename.current = false;
    renameButton.current?.focus();
  }, [editing]);
  const title = chat.title || "Untitled chat";

  const rename = useMutation(
    trpc.chat.rename.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.chat.list.pathFilter()),
      onError: (failure) => setError(`Rename failed: ${errorMessage(failure)}`),
    }),
  );

  const remove = useMutation(
    trpc.chat.delete.mutationOptions({
      onSuccess: async () => {
        store.forget(chat.id);
        setConfirming(false);
        if (active) router.replace("/chat");
        await queryClient.invalidateQueries(trpc.chat.list.pathFilter());
      },
      onError: (failure) => setError(`Delete failed: ${errorMessage(failure)}`),
    }),
  );

  function stopEditing() {
    refocusRename.current = true;
    setEditing(false);
  }

  function save() {
    const newTitle = input.current?.value.trim() ?? "";
    setEditing(false);
    if (newTitle && newTitle !== chat.title) {
      setError(null);
      rename.mutate({ chatId: chat.id, title: newTitle });
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      refocusRename.current = true;
      save();
    } else if (event.key === "Escape") {
      stopEditing();
    }
  }

  const shownTitle = rename.isPending ? rename.variables.title : title;

  return (
    <li className="group relative" data-testid="chat-item" data-chat-id={chat.id}>
      {editing ? (
        <div className="flex items-center gap-1 rounded-lg bg-raised px-2 py-1 ring-2 ring-accent/40">
          <input
            ref={input}
            defaultValue={chat.title}
            maxLength={maxTitleLength}
            autoFocus
            onFocus={(event) => event.currentTarget.select()}
            onKeyDown={onKeyDown}
            onBlur={save}
            aria-label="Chat title"
            className="min-w-0 flex-1 bg-transparent py-1 text-sm outline-none"
          />
          <button
            type="button"
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => {
              refocusRename.current = true;
              save();
            }}
            className="rounded p-1 text-muted hover:text-ok"
            aria-label="Save title"
          >
            <Check className="size-4" aria-hidden />
          </button>
          <button
            type="button"
            onMouseDown={(event) => event.preventDefault()}
            onClick={stopEditing}
            className="rounded p-1 text-muted hover:text-danger"
            aria-label="Cancel renaming"
          >
            <X className="size-4" aria-hidden />
          </button>
        </div>
      ) : (
        <>
          <Link
            href={`/chat/${chat.id}`}
            aria-current={active ? "page" : undefined}
            className={`block truncate rounded-lg py-2 pr-16 pl-3 text-sm transition ${
              active ? "bg-line/70 font-medium text-fg" : "text-muted hover:bg-line/40 hover:text-fg"
            }`}
            title={shownTitle}
          >
            {shownTitle}
          </Link>
          <div
            className={`absolute top-1/2 right-1.5 flex -translate-y-1/2 gap-0.5 transition group-focus-within:opacity-100 group-hover:opacity-100 [@media(hover:none)]:opacity-100 ${
              active ? "opacity-100" : "opacity-0"
            }`}
          >
            <button
              ref={renameButton}
              type="button"
              onClick={() => setEditing(true)}
              className="rounded-md p-1.5 text-faint hover:bg-raised hover:text-fg"
              aria-label={`Rename “${title}”`}
              title="Rename"
            >
              <Pencil className="size-3.5" aria-hidden />
            </button>
            <button
              type="button"
              onClick={() => setConfirming(true)}
              className="rounded-md p-1.5 text-faint hover:bg-raised hover:text-danger"
              aria-label={`Delete “${title}”`}
              title="Delete"
            >
              <Trash2 className="size-3.5" aria-hidden />
            </button>
          </div>
        </>
      )}
      {error && (
        <p role="alert" className="px-3 pt-1 text-xs text-danger">
          {error}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title="Delete this chat?"
        body={`“${title}” and all its messages will be deleted. This cannot be undone.`}
        confirmLabel="Delete"
        pending={remove.isPending}
        onConfirm={() => remove.mutate({ chatId: chat.id })}
        onCancel={() => setConfirming(false)}
      />
    </li>
  );
}
