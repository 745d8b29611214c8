import Link from "next/link";
import { Logo } from "~/components/logo";

export default function NotFound() {
  return (
    <main className="grid min-h-dvh place-items-center bg-panel px-6">
      <div className="max-w-md text-center">
        <Logo size="lg" />
        <p className="mt-10 text-sm font-semibold tracking-wide text-accent">404</p>
        <h1 className="mt-2 text-3xl font-semibold tracking-tight">Page not found</h1>
        <p className="mt-3 text-muted">
          There is nothing at this address. It may have moved, or never existed.
        </p>
        <Link
          href="/chat"
          className="mt-8 inline-flex items-center rounded-lg bg-accent px-4 py-2.5 text-sm font-medium text-accent-fg shadow-sm hover:opacity-90"
        >
          Back to your chats
        </Link>
      </div>
    </main>
  );
}
