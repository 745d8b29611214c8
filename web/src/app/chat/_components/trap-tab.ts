import type { KeyboardEvent } from "react";

/**
 * Keeps Tab inside a modal dialog: from its last focusable element to its first, and Shift+Tab back.
 * `reachable` is what Tab can reach in it, in order.
 */
export function trapTab(event: KeyboardEvent<HTMLElement>, reachable: readonly HTMLElement[]): void {
  if (event.key !== "Tab") return;
  const first = reachable[0];
  const last = reachable.at(-1);
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
