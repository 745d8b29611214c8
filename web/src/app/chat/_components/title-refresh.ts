/**
 * Picking up a title the model writes after a chat's first answer, without a reload. The service writes
 * it in the background (a few seconds at most: TITLE_TIMEOUT_MS, 15 s by default) and has no push for
 * it yet (WatchChats is not there), so after an answer completes in a chat whose title is still its first
 * message's, the chat list is fetched again a few times with growing waits — 0.5, 1, 2, 4, 8 s: about
 * 15 s in all, six list reads at most — and stops as soon as the title's source is no longer
 * `first_message` (generated, or renamed by the user). A title that comes later shows on the next list
 * refresh (any other answer, a reload).
 */
import type { ChatSummary } from "~/lib/chat-types";

export const titleRefreshDelaysMs = [500, 1_000, 2_000, 4_000, 8_000];

export interface TitleRefreshDeps {
  /** The chat as the list cache holds it now (undefined: not loaded). */
  cached(chatId: string): ChatSummary | undefined;
  /** Fetches the list again (and waits for it). */
  refetch(): Promise<unknown>;
  signal: AbortSignal;
  delaysMs?: readonly number[];
}

/** Refetches the list until `chatId` has a title that is not its first message's, or the tries run out. */
export async function followGeneratedTitle(chatId: string, deps: TitleRefreshDeps): Promise<boolean> {
  const waiting = () => (deps.cached(chatId)?.titleSource ?? "first_message") === "first_message";
  if (!waiting()) return true;
  for (const delayMs of deps.delaysMs ?? titleRefreshDelaysMs) {
    if (!(await sleep(delayMs, deps.signal))) return false;
    await deps.refetch();
    if (!waiting()) return true;
  }
  return false;
}

/** Resolves true after `ms`, or false at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}
