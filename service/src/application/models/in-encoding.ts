/**
 * A chat's history, newest first, with every token count in one encoding: the encoding of the model
 * about to read it. A message counted in another encoding (the chat changed models) gets its count in
 * this one from the store, or is counted now — lazily, only as far as the consumer (the context fitter)
 * reads — and what was counted is stored for the next turn. The window is never fitted with another
 * tokenizer's numbers.
 */
import { isContextMessage, type Message } from "../../domain/chat.js";
import type { Logger, TokenCounter } from "../ports.js";
import type { StoredTokenCount, TokenCountStore } from "./token-count-store.js";

export interface InEncodingOptions {
  encoding: string;
  /** The encoding of messages whose count carries none. */
  legacyEncoding: string;
  counter: TokenCounter;
  store: TokenCountStore | null;
  logger: Logger;
  /** How many messages are looked up in the store at once (a history page). */
  batchSize: number;
}

export async function* inEncoding(
  newestFirst: AsyncIterable<Message>,
  options: InEncodingOptions,
): AsyncGenerator<Message> {
  const { encoding, legacyEncoding, counter, store } = options;
  const counted: StoredTokenCount[] = [];
  const source = newestFirst[Symbol.asyncIterator]();
  try {
    for (;;) {
      const batch: Message[] = [];
      while (batch.length < options.batchSize) {
        const next = await source.next();
        if (next.done) break;
        batch.push(next.value);
      }
      const foreign = batch.filter(
        (message) => isContextMessage(message) && (message.tokenEncoding ?? legacyEncoding) !== encoding,
      );
      const stored =
        foreign.length > 0 && store
          ? await store.countsOf(
              foreign.map((message) => message.id),
              encoding,
            )
          : new Map<string, number>();
      for (const message of batch) {
        if (!foreign.includes(message)) {
          yield message;
          continue;
        }
        let tokenCount = stored.get(message.id);
        if (tokenCount === undefined) {
          tokenCount = counter.count(message.content);
          counted.push({ messageId: message.id, encoding, tokenCount });
        }
        yield { ...message, tokenCount, tokenEncoding: encoding };
      }
      if (batch.length < options.batchSize) return;
    }
  } finally {
    await source.return?.();
    save(counted, options);
  }
}

/** Not awaited: the model call must not wait for it; a failure only means counting again next time. */
function save(counted: StoredTokenCount[], { store, logger }: InEncodingOptions): void {
  if (counted.length === 0 || !store) return;
  store.saveCounts(counted).catch((error: unknown) => {
    logger.warn("could not store recounted token counts", { count: counted.length, error: String(error) });
  });
}
