/**
 * Wraps a response stream without an async generator per message (each adds a few microtask hops):
 * every `next()` goes through `step` (e.g. to run it inside a context), and `ended` is told once how the
 * stream ended — null when it ran out or the consumer stopped early, else the error it threw.
 */
export function observeStream<T>(
  source: AsyncIterable<T>,
  options: {
    step?: <R>(advance: () => Promise<R>) => Promise<R>;
    ended?: (error: unknown) => void;
  },
): AsyncIterable<T> {
  const step = options.step ?? ((advance) => advance());
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const iterator = source[Symbol.asyncIterator]();
      let over = false;
      const end = (error: unknown) => {
        if (over) return;
        over = true;
        options.ended?.(error);
      };
      return {
        next: () =>
          step(() => iterator.next()).then(
            (result) => {
              if (result.done) end(null);
              return result;
            },
            (error: unknown) => {
              end(error);
              throw error;
            },
          ),
        return: async (value?: unknown) => {
          try {
            const result = iterator.return
              ? await step(() => iterator.return!(value))
              : ({ done: true, value } as IteratorResult<T>);
            return result;
          } finally {
            end(null);
          }
        },
      };
    },
  };
}
