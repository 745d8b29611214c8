"use client";

import { useEffect } from "react";

/**
 * Opened from a search result (`/chat/<id>#message-<id>`): once the message is on the page, scroll it
 * into view and move focus to it (so a keyboard or screen-reader user lands there too). A message not on
 * the loaded page is left alone: the chat opens at its latest messages.
 */
export function useScrollToMessage(messageCount: number) {
  useEffect(() => {
    const hash = window.location.hash;
    if (!hash.startsWith("#message-")) return;
    const target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target || target.dataset.searchTarget === "done") return;
    target.dataset.searchTarget = "done";
    target.tabIndex = -1;
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }, [messageCount]);
}
