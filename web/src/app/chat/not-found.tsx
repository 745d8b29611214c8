import { MessageSquareOff } from "lucide-react";
import Link from "next/link";
import { MobileBar } from "./_components/sidebar-toggle";

export default function ChatNotFound() {
  return (
    <div className="flex h-full flex-col">
      <MobileBar />
      <div className="grid flex-1 place-items-center px-6">
        <div className="max-w-sm text-center">
          <span className="mx-auto grid size-12 place-items-center rounded-full bg-panel text-muted">
            <MessageSquareOff className="size-6" aria-hidden />
          </span>
          <h1 className="mt-5 text-xl font-semibold tracking-tight">Chat not found</h1>
          <p className="mt-2 text-sm text-muted">
            This chat does not exist or belongs to someone else. Pick one from the list, or start a new one.
          </p>
          <Link
            href="/chat"
            className="mt-6 inline-flex rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90"
          >
            New chat
          </Link>
        </div>
      </div>
    </div>
  );
}
