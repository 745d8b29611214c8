"use client";

import { usePathname } from "next/navigation";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { LiveRepliesProvider } from "./live-replies";
import { Sidebar, type SidebarUser } from "./sidebar";
import type { ChatListPage } from "./use-chat-list";

interface SidebarControls {
  open(): void;
  close(): void;
}

const SidebarContext = createContext<SidebarControls>({ open: () => {}, close: () => {} });

/** Opens and closes the chat list where it is a drawer (narrow screens). */
export function useSidebar(): SidebarControls {
  return useContext(SidebarContext);
}

/** The frame of the chat pages: the chat list (a drawer on phones) beside the current page. */
export function ChatShell(props: {
  user: SidebarUser;
  initialChats: ChatListPage | null;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  // What opened the drawer gets focus back when it closes.
  const opener = useRef<HTMLElement | null>(null);
  const controls = useMemo(
    () => ({
      open: () => {
        opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
        setOpen(true);
      },
      close: () => {
        setOpen(false);
        if (opener.current?.isConnected) opener.current.focus();
        opener.current = null;
      },
    }),
    [],
  );

  // Escape closes the drawer, as it would a dialog.
  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") controls.close();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [open, controls]);

  // Following a link in the drawer closes it.
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- reacting to navigation
    setOpen(false);
  }, [pathname]);

  return (
    <LiveRepliesProvider>
      <SidebarContext.Provider value={controls}>
        <div className="flex h-dvh overflow-hidden bg-canvas">
          {open && (
            <button
              type="button"
              aria-label="Close the chat list"
              onClick={controls.close}
              tabIndex={-1}
              className="fixed inset-0 z-30 bg-black/40 backdrop-blur-[1px] md:hidden"
            />
          )}
          <Sidebar user={props.user} initialChats={props.initialChats} open={open} onClose={controls.close} />
          <main className="flex min-w-0 flex-1 flex-col">{props.children}</main>
        </div>
      </SidebarContext.Provider>
    </LiveRepliesProvider>
  );
}
