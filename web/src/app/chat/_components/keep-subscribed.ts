/**
 * Keeps one of the BFF's watch subscriptions open (the chat list's, a chat's): one that fails or ends is
 * opened again after a growing wait (1 s doubling up to 30 s), which starts over once a watch says it
 * listens (`listening`). A watch that ends for good (`last`, e.g. its chat was deleted) is not reopened.
 */

export interface SubscriptionHandlers<Value> {
  onData(value: Value): void;
  onError(error: unknown): void;
  onComplete(): void;
}

export interface KeepSubscribedDeps<Value> {
  subscribe(handlers: SubscriptionHandlers<Value>): { unsubscribe(): void };
  onData(value: Value): void;
  /** Whether this value says the watch listens (the wait starts over). */
  listening(value: Value): boolean;
  /** Whether the watch is over after this value: it is not reopened. */
  last?(value: Value): boolean;
  firstWaitMs?: number | undefined;
}

/** Follows until the returned function is called. */
export function keepSubscribed<Value>(deps: KeepSubscribedDeps<Value>): () => void {
  const firstWaitMs = deps.firstWaitMs ?? 1_000;
  let waitMs = firstWaitMs;
  let stopped = false;
  let over = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let subscription: { unsubscribe(): void } | undefined;
  const reopen = () => {
    if (stopped || over) return;
    timer = setTimeout(open, waitMs);
    waitMs = Math.min(waitMs * 2, 30_000);
  };
  function open() {
    subscription = deps.subscribe({
      onData(value) {
        if (deps.listening(value)) waitMs = firstWaitMs;
        if (deps.last?.(value)) over = true;
        deps.onData(value);
      },
      onError: reopen,
      onComplete: reopen,
    });
  }
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    subscription?.unsubscribe();
  };
}
