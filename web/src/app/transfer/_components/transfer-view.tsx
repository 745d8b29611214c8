"use client";

import { ArrowDownUp, Download } from "lucide-react";
import { PageHeader } from "~/components/page-header";
import { ImportForm } from "./import-form";

const downloadLink =
  "inline-flex items-center gap-2 rounded-lg border border-line bg-panel px-4 py-2 text-sm font-medium shadow-xs hover:border-accent/40 hover:text-accent";

/** The export and import page: all chats as a download, and an upload of chats from a file. */
export function TransferView() {
  return (
    <main className="mx-auto w-full max-w-3xl px-4 py-8 sm:px-6">
      <PageHeader icon={ArrowDownUp} title="Export and import" />

      <section
        aria-labelledby="export-heading"
        className="mt-8 rounded-xl border border-line bg-raised p-4 shadow-xs"
      >
        <h2 id="export-heading" className="text-lg font-semibold tracking-tight">
          Export all chats
        </h2>
        <p className="mt-1 text-sm leading-relaxed text-muted">
          Markdown is for reading. JSON keeps everything (models, statuses, token counts, usage) and can be
          imported again, here or into another account. To export one chat, use Export in its header.
        </p>
        <div className="mt-3 flex flex-wrap gap-3">
          <a href="/api/export?format=markdown" download className={downloadLink}>
            <Download className="size-4" aria-hidden />
            Download Markdown
          </a>
          <a href="/api/export?format=json" download className={downloadLink}>
            <Download className="size-4" aria-hidden />
            Download JSON
          </a>
        </div>
      </section>

      <ImportForm />
    </main>
  );
}
