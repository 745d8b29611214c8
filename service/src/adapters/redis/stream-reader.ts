/**
 * Reads a reply's stream for followers, by the entry ids of `reply-stream-format.ts`: never from the
 * start, only from the entry that covers an offset. A failing read is `hub.unavailable`.
 */
import type { Redis } from "ioredis";
import { hubUnavailable } from "../../domain/errors.js";
import { coveringBound, decodeEntry, type StreamEntry } from "./reply-stream-format.js";

/** The stream from an offset: the entry covering it (if any) and every entry after that one. */
export interface StreamFrom {
  covering: StreamEntry | null;
  after: StreamEntry[];
}

export interface StreamReader {
  /**
   * In one round trip: the entry covering `offset` and every entry after it (entries with ids past the
   * covering bound are exactly those after the covering entry).
   */
  from(key: string, offset: number): Promise<StreamFrom>;
  /** The entry whose text covers (or starts at) `offset`, or the end if the reply ended by then. */
  covering(key: string, offset: number): Promise<StreamEntry | null>;
  /** The first entry of the stream, null when there is no stream. */
  first(key: string): Promise<StreamEntry | null>;
  /** Every entry after `id`, in order. */
  after(key: string, id: string): Promise<StreamEntry[]>;
}

export function createStreamReader(redis: Redis): StreamReader {
  const read = async (run: () => Promise<unknown>): Promise<StreamEntry[]> => {
    let raw: unknown;
    try {
      raw = await run();
    } catch (cause) {
      throw Object.assign(hubUnavailable("the live replies hub is unreachable"), { cause });
    }
    if (!Array.isArray(raw)) return [];
    return raw.map(decodeEntry).filter((entry): entry is StreamEntry => entry !== null);
  };
  return {
    async from(key, offset) {
      const bound = coveringBound(offset);
      const [covering, after] = await Promise.all([
        read(() => redis.xrevrange(key, bound, "-", "COUNT", 1)),
        read(() => redis.xrange(key, `(${bound}`, "+")),
      ]);
      return { covering: covering[0] ?? null, after };
    },
    covering: async (key, offset) =>
      (await read(() => redis.xrevrange(key, coveringBound(offset), "-", "COUNT", 1)))[0] ?? null,
    first: async (key) => (await read(() => redis.xrange(key, "-", "+", "COUNT", 1)))[0] ?? null,
    after: (key, id) => read(() => redis.xrange(key, `(${id}`, "+")),
  };
}
