"use client";

import { Download } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";

/**
 * "Export" in the chat header: a disclosure with two downloads of this chat, Markdown (to read) and JSON
 * (to import again). Links to the BFF's /api/export, which streams the service's file. Escape or a click
 * elsewhere closes it; Escape gives focus back to the button.
 */
export function ExportChatMenu({ chatId }: { chatId: string }) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector("a")?.focus();
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  // Closed once the click has started the download: removing the link during its own click cancels it.
  const closeAfterClick = () => setTimeout(() => setOpen(false), 0);
  const href = (format: string) => `/api/export?format=${format}&chatId=${encodeURIComponent(chatId)}`;
  const item = "block rounded-md px-3 py-2 text-sm text-fg hover:bg-line/60";

  return (
    <div
      className="relative"
      onKeyDown={(event) => {
        if (event.key === "Escape" && open) {
          event.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((value) => !value)}
        className="flex h-9 items-center gap-1.5 rounded-lg px-2 text-sm text-muted hover:bg-line/60 hover:text-fg"
        aria-label="Export this chat"
        title="Export this chat"
      >
        <Download className="size-4" aria-hidden />
        <span className="hidden sm:inline">Export</span>
      </button>
      {open && (
        <div
          ref={panel}
          id={menuId}
          className="absolute right-0 top-full z-30 mt-1 w-48 rounded-lg border border-line bg-raised p-1 shadow-lg"
        >
          <a href={href("markdown")} download className={item} onClick={closeAfterClick}>
            Markdown (.md)
          </a>
          <a href={href("json")} download className={item} onClick={closeAfterClick}>
            JSON (.json)
          </a>
        </div>
      )}
    </div>
  );
}
