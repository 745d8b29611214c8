"use client";

import { usePathname } from "next/navigation";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
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
  const controls = useMemo(() => ({ open: () => setOpen(true), close: () => setOpen(false) }), []);

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
              onClick={() => setOpen(false)}
              className="fixed inset-0 z-30 bg-black/40 backdrop-blur-[1px] md:hidden"
            />
          )}
          <Sidebar
            user={props.user}
            initialChats={props.initialChats}
            open={open}
            onClose={() => setOpen(false)}
          />
          <main className="flex min-w-0 flex-1 flex-col">{props.children}</main>
        </div>
      </SidebarContext.Provider>
    </LiveRepliesProvider>
  );
}
