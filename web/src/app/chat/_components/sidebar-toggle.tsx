"use client";

import { Menu } from "lucide-react";
import { useSidebar } from "./chat-shell";

/** The header button that opens the chat list on narrow screens (hidden where the list is always shown). */
export function SidebarToggle() {
  const sidebar = useSidebar();
  return (
    <button
      type="button"
      onClick={sidebar.open}
      className="grid size-9 place-items-center rounded-lg text-muted hover:bg-panel hover:text-fg md:hidden"
      aria-label="Open the chat list"
    >
      <Menu className="size-5" aria-hidden />
    </button>
  );
}

/** A header bar with only the toggle, for pages without a chat (not found, failed to load). */
export function MobileBar() {
  return (
    <div className="flex h-14 shrink-0 items-center border-b border-line px-3 md:hidden">
      <SidebarToggle />
    </div>
  );
}
