/** The bounds of one import, and of imports at once (each holds its file in memory while it runs). */
export interface ImportLimits {
  /** The largest file, in bytes. */
  maxBytes: number;
  /** The most chats in one file. */
  maxChats: number;
  /** The most messages imported from one file (after skipping). */
  maxMessages: number;
  /** Imports running at once in one process; more are refused (`import.busy`). */
  maxConcurrent: number;
}

export const defaultImportLimits: ImportLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxChats: 1_000,
  maxMessages: 20_000,
  maxConcurrent: 2,
};

/** Replies in a file may be longer than what a user may send: this many times MAX_MESSAGE_BYTES. */
export const replyBytesFactor = 8;

/** How long a refused import is told to wait before trying again. */
export const importBusyRetryMs = 1_000;

/** Counts imports in flight in this process. */
export function createImportGate(maxConcurrent: number) {
  let running = 0;
  return {
    /** A release function, or null when `maxConcurrent` imports are already running. */
    tryEnter(): (() => void) | null {
      if (running >= maxConcurrent) return null;
      running += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        running -= 1;
      };
    },
  };
}

export type ImportGate = ReturnType<typeof createImportGate>;
