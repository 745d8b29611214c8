/** What the browser gets back from an import (`POST /api/import`): one entry per chat of the file. */
export interface ImportResult {
  /** "parley.chats" or "chatgpt". */
  sourceFormat: string;
  importedChats: number;
  importedMessages: number;
  chats: {
    title: string;
    /** The chat in Parley; null when nothing was imported for it. */
    chatId: string | null;
    outcome: "imported" | "already_imported" | "skipped_empty";
    messageCount: number;
    skippedMessages: number;
  }[];
}

/** The body of a refused export or import. */
export interface TransferFailure {
  error: { message: string; reason: string | null };
}
