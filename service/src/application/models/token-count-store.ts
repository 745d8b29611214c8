/**
 * The port for token counts of stored messages in encodings other than the one each was written in
 * (a chat moved to a model with another tokenizer). Adapter: MySQL (`message_token_counts`).
 */
export interface StoredTokenCount {
  messageId: string;
  encoding: string;
  tokenCount: number;
}

export interface TokenCountStore {
  /** The stored counts of `messageIds` in `encoding`, by message id (missing ones are absent). */
  countsOf(messageIds: readonly string[], encoding: string): Promise<Map<string, number>>;
  /** Stores counts; a count already stored for the same message and encoding is kept. */
  saveCounts(counts: readonly StoredTokenCount[]): Promise<void>;
}
