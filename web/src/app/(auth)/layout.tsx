import type { ReactNode } from "react";
import { Logo } from "~/components/logo";

/** Sign-in and sign-up: a centred card over a soft backdrop. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="relative grid min-h-dvh place-items-center overflow-hidden bg-panel px-4 py-10">
      <div
        aria-hidden
        className="pointer-events-none absolute -top-40 left-1/2 h-[28rem] w-[48rem] -translate-x-1/2 rounded-full bg-gradient-to-br from-indigo-400/25 via-violet-400/15 to-transparent blur-3xl"
      />
      <div className="relative w-full max-w-sm">
        <div className="mb-8 flex justify-center">
          <Logo size="lg" />
        </div>
        {children}
        <p className="mt-8 text-center text-xs text-faint">
          Parley streams answers live, keeps your chats, and lets you pick up where you left off.
        </p>
      </div>
    </main>
  );
}
