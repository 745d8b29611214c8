"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Upload } from "lucide-react";
import Link from "next/link";
import { useId, useRef, useState, type FormEvent } from "react";
import { Spinner } from "~/components/spinner";
import type { ImportResult, TransferFailure } from "~/lib/transfer-types";
import { useTRPC } from "~/trpc/client";

type State =
  | { phase: "idle" }
  | { phase: "sending" }
  | { phase: "done"; result: ImportResult }
  | { phase: "failed"; message: string };

const outcomeWords = {
  imported: "imported",
  already_imported: "already imported before",
  skipped_empty: "skipped: no messages with text",
} as const;

/** Uploads a Parley JSON export or ChatGPT's conversations.json to /api/import and lists what it did. */
export function ImportForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const fileId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<State>({ phase: "idle" });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) {
      setState({ phase: "failed", message: "Choose a file to import." });
      return;
    }
    setState({ phase: "sending" });
    try {
      const response = await fetch("/api/import", { method: "POST", body: file });
      const body = (await response.json()) as ImportResult | TransferFailure;
      if ("error" in body) setState({ phase: "failed", message: body.error.message });
      else {
        setState({ phase: "done", result: body });
        await queryClient.invalidateQueries({ queryKey: trpc.chat.list.pathKey() });
      }
    } catch {
      setState({ phase: "failed", message: "Could not reach Parley. Check your connection and try again." });
    }
  }

  return (
    <section
      aria-labelledby="import-heading"
      className="mt-6 rounded-xl border border-line bg-raised p-4 shadow-xs"
    >
      <h2 id="import-heading" className="text-lg font-semibold tracking-tight">
        Import chats
      </h2>
      <p id={hintId} className="mt-1 text-sm leading-relaxed text-muted">
        A Parley JSON export, or <code>conversations.json</code> from a ChatGPT data export. Importing the
        same file again adds nothing. From ChatGPT, each conversation&apos;s current branch is imported;
        system and tool messages, images and files are left out.
      </p>
      <form onSubmit={submit} className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex flex-1 flex-col gap-1">
          <label htmlFor={fileId} className="text-sm font-medium">
            <span>File to import</span>
          </label>
          <input
            ref={input}
            id={fileId}
            type="file"
            accept=".json,application/json"
            aria-describedby={hintId}
            className="rounded-lg border border-line bg-panel px-3 py-2 text-sm file:mr-3 file:rounded-md file:border-0 file:bg-line/60 file:px-2 file:py-1 file:text-fg"
          />
        </div>
        <button
          type="submit"
          disabled={state.phase === "sending"}
          className="inline-flex items-center justify-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90 disabled:opacity-60"
        >
          {state.phase === "sending" ? <Spinner /> : <Upload className="size-4" aria-hidden />}
          Import
        </button>
      </form>
      <div role="status" className="mt-3 text-sm" data-testid="import-status">
        {state.phase === "sending" && "Importing…"}
        {state.phase === "done" && <ImportSummary result={state.result} />}
      </div>
      {state.phase === "failed" && (
        <p
          role="alert"
          data-testid="import-error"
          className="mt-3 rounded-xl border border-danger/30 bg-danger-soft px-4 py-3 text-sm text-danger"
        >
          {state.message}
        </p>
      )}
    </section>
  );
}

function ImportSummary({ result }: { result: ImportResult }) {
  const { importedChats, importedMessages } = result;
  return (
    <>
      <p className="font-medium">
        Imported {importedChats} {importedChats === 1 ? "chat" : "chats"} ({importedMessages}{" "}
        {importedMessages === 1 ? "message" : "messages"}).
      </p>
      <ul className="mt-2 space-y-1" data-testid="import-results">
        {result.chats.map((chat, index) => (
          <li key={index}>
            {chat.chatId ? (
              <Link href={`/chat/${chat.chatId}`} className="text-accent underline underline-offset-2">
                {chat.title}
              </Link>
            ) : (
              chat.title
            )}{" "}
            <span className="text-muted">
              — {outcomeWords[chat.outcome]}
              {chat.skippedMessages > 0 && `, ${chat.skippedMessages} left out`}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
