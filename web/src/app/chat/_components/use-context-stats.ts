"use client";

import { useEffect, useState } from "react";
import type { ContextStats } from "~/lib/chat-types";

const storageKey = (chatId: string) => `parley:context:${chatId}`;

/**
 * The context stats of a chat's latest reply. They arrive with `started`; this tab remembers the last
 * ones per chat (localStorage: numbers only, no text), so the gauge survives a reload.
 */
export function useContextStats(chatId: string | null, live: ContextStats | null): ContextStats | null {
  const [stored, setStored] = useState<ContextStats | null>(null);

  useEffect(() => {
    if (!chatId) return;
    try {
      const raw = window.localStorage.getItem(storageKey(chatId));
      // eslint-disable-next-line react-hooks/set-state-in-effect -- reading browser storage after hydration
      setStored(raw ? (JSON.parse(raw) as ContextStats) : null);
    } catch {
      setStored(null);
    }
  }, [chatId]);

  useEffect(() => {
    if (!chatId || !live) return;
    try {
      window.localStorage.setItem(storageKey(chatId), JSON.stringify(live));
    } catch {
      // Storage full or disabled: the gauge just will not survive a reload.
    }
  }, [chatId, live]);

  return live ?? stored;
}
