"use client";

import { AlertTriangle, RotateCw } from "lucide-react";
import { MobileBar } from "./_components/sidebar-toggle";

/** A chat page failed to load (e.g. the chat service is down): say so, and offer to try again. */
export default function ChatError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <div className="flex h-full flex-col">
      <MobileBar />
      <div className="grid flex-1 place-items-center px-6">
        <div role="alert" className="max-w-sm text-center">
          <span className="mx-auto grid size-12 place-items-center rounded-full bg-danger-soft text-danger">
            <AlertTriangle className="size-6" aria-hidden />
          </span>
          <h1 className="mt-5 text-xl font-semibold tracking-tight">This chat could not be loaded</h1>
          <p className="mt-2 text-sm text-muted">
            Parley&apos;s chat service did not answer. It may be restarting; try again in a moment.
          </p>
          <button
            type="button"
            onClick={() => retry()}
            className="mt-6 inline-flex items-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90"
          >
            <RotateCw className="size-4" aria-hidden />
            Try again
          </button>
        </div>
      </div>
    </div>
  );
}
