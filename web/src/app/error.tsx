"use client";

import { AlertTriangle, RotateCw } from "lucide-react";
import { Logo } from "~/components/logo";

/** Any page that failed to render outside the chat (e.g. the accounts database is down). */
export default function AppError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <main className="grid min-h-dvh place-items-center bg-panel px-6">
      <div role="alert" className="max-w-md text-center">
        <Logo size="lg" />
        <span className="mx-auto mt-10 grid size-12 place-items-center rounded-full bg-danger-soft text-danger">
          <AlertTriangle className="size-6" aria-hidden />
        </span>
        <h1 className="mt-5 text-2xl font-semibold tracking-tight">Something went wrong</h1>
        <p className="mt-2 text-muted">Parley could not show this page. Please try again in a moment.</p>
        <button
          type="button"
          onClick={() => retry()}
          className="mt-8 inline-flex items-center gap-2 rounded-lg bg-accent px-4 py-2.5 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90"
        >
          <RotateCw className="size-4" aria-hidden />
          Try again
        </button>
      </div>
    </main>
  );
}
