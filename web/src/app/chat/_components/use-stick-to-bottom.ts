"use client";

import { useCallback, useLayoutEffect, useRef, useState } from "react";

/** How close to the bottom (px) still counts as "at the bottom". */
const threshold = 64;

/**
 * Keeps a scroll container pinned to its bottom while content grows, until the person scrolls up; it
 * pins again when they scroll back down (or press "jump to latest").
 */
export function useStickToBottom(contentVersion: unknown) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [atBottom, setAtBottom] = useState(true);

  const onScroll = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    stick.current = distance <= threshold;
    setAtBottom(stick.current);
  }, []);

  const scrollToBottom = useCallback((behavior: ScrollBehavior = "smooth") => {
    const element = scrollRef.current;
    stick.current = true;
    setAtBottom(true);
    element?.scrollTo({ top: element.scrollHeight, behavior });
  }, []);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [contentVersion]);

  return { scrollRef, onScroll, atBottom, scrollToBottom };
}
