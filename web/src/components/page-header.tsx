/** The top of a page beside the chat (API keys, Usage): the way back to the chats, and the page's title. */
import type { LucideIcon } from "lucide-react";
import { ArrowLeft } from "lucide-react";
import Link from "next/link";

export function PageHeader({ icon: Icon, title }: { icon: LucideIcon; title: string }) {
  return (
    <>
      <Link
        href="/chat"
        className="inline-flex items-center gap-1.5 rounded-lg text-sm text-muted hover:text-fg"
      >
        <ArrowLeft className="size-4" aria-hidden />
        Back to chats
      </Link>
      <h1 className="mt-4 flex items-center gap-2 text-2xl font-semibold tracking-tight">
        <Icon className="size-6 text-accent" aria-hidden />
        {title}
      </h1>
    </>
  );
}
