/**
 * Makes ended turns searchable after their reply's final write instead of inside it. The final write
 * only marks its reply `search_pending` — a column of the UPDATE it makes anyway, so the reply's path
 * pays no statement for search — and this indexer indexes the marked replies' turns in batches (the
 * reply, the user message it answers and, on a chat's first turn, the title: search-index.ts),
 * clearing the mark in the same transaction. Indexing inside the final write cost five statements per
 * reply on the reply's path; under load, replies that end together now share a batch's statements
 * (docs/benchmarks.md, "What a new turn costs, and search indexing after the final write").
 *
 * A turn becomes searchable moments after its reply ends (`delayMs` and one batch), not in the same
 * commit. Nothing is lost when a process stops in between: the mark is durable, and `start` drains what
 * is marked at once and then every `sweepEveryMs`, whoever marked it. Two processes draining at once
 * take disjoint rows (`FOR UPDATE SKIP LOCKED`); indexing a turn twice leaves one document anyway.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Logger } from "../../application/ports.js";
import type { ChatDatabase } from "./database.js";
import { chats, messages } from "./schema.js";
import { indexEndedTurns } from "./search-index.js";

export interface SearchIndexer {
  /** A final write marked a reply: drain after `delayMs`, so replies ending together share a batch. */
  nudge(): void;
  /**
   * Indexes every reply marked before the call that no other process is indexing, batch by batch;
   * resolves with how many it indexed. A nudge waiting to drain is cancelled: this drain covers it.
   */
  drain(): Promise<number>;
  /** Drains what an earlier process left marked, then again every `sweepEveryMs`. */
  start(): void;
  /** Stops the timers and drains once more: what the last replies marked (or leaves it to a start). */
  close(): Promise<void>;
}

export interface SearchIndexerOptions {
  /** Replies per transaction (default 100): bounds a batch's locks and its statements' size. */
  batchSize?: number;
  /** How long a nudge waits before draining (default 100 ms: imperceptible, and a batch for many). */
  delayMs?: number;
  /** How often `start`ed, it drains anyway (default 30 s): marks a stopped process left, failures. */
  sweepEveryMs?: number;
  /** After a failed drain, the next one comes this soon (default 1 s), doubling while they fail. */
  retryMs?: number;
  logger?: Logger;
}

export function createSearchIndexer(db: ChatDatabase, options: SearchIndexerOptions = {}): SearchIndexer {
  const batchSize = options.batchSize ?? 100;
  const delayMs = options.delayMs ?? 100;
  const retryMs = options.retryMs ?? 1_000;
  const sweepEveryMs = options.sweepEveryMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let sweep: NodeJS.Timeout | undefined;
  let closed = false;
  // Drains run one after another: a drain asked for while one runs starts when it ends, and so sees
  // every mark committed before it was asked for.
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * One transaction: up to `batchSize` marked replies indexed and unmarked; how many it took.
   *
   * Locks in the order every other writer takes them, chats before their messages (a rename, a new
   * title, a turn, a deletion's cascade all lock the chat first), so none of them can deadlock with a
   * batch: a plain read finds candidates, their chats are locked (in id order; FOR UPDATE, as MariaDB
   * has no FOR SHARE: a document's foreign key needs its chat), then the candidates still marked that
   * no other batch holds. Without the chats first, a rename waiting on a batch's new title document
   * while the batch's foreign-key check waited on the renamed chat was a deadlock (a rename refused in
   * the tests). READ COMMITTED, so the locking reads take those rows only: under REPEATABLE READ they
   * also locked the gap before the marked entries in the mark's index — where every new message's entry
   * goes — and turns deadlocked with it (26 sends refused in one benchmark run).
   */
  const batch = () =>
    db.transaction(
      async (tx) => {
        const candidates = await tx
          .select({ id: messages.id, chatId: messages.chatId })
          .from(messages)
          .where(eq(messages.searchPending, true))
          .limit(batchSize);
        if (candidates.length === 0) return 0;
        const chatIds = [...new Set(candidates.map((row) => row.chatId))];
        await tx
          .select({ id: chats.id })
          .from(chats)
          .where(inArray(chats.id, chatIds))
          .orderBy(asc(chats.id))
          .for("update");
        const marked = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(
            and(
              inArray(
                messages.id,
                candidates.map((row) => row.id),
              ),
              eq(messages.searchPending, true),
            ),
          )
          .for("update", { skipLocked: true });
        if (marked.length === 0) return 0;
        const ids = marked.map((row) => row.id);
        await indexEndedTurns(tx, ids);
        await tx.update(messages).set({ searchPending: false }).where(inArray(messages.id, ids));
        return ids.length;
      },
      { isolationLevel: "read committed" },
    );

  async function drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const indexed = await batch();
      total += indexed;
      if (indexed < batchSize) return total;
    }
  }

  function drain(): Promise<number> {
    // A drain covers every mark made before it, so a nudge (or retry) waiting to drain is done with. An
    // explicit drain's failure goes to its caller (close logs it); the sweep takes what it left.
    clearTimeout(timer);
    timer = undefined;
    const run = queue.then(drainAll);
    queue = run.catch(() => undefined);
    return run;
  }

  // Failures in a row: each doubles the wait before the next try, up to the sweep's interval, so a
  // database that stays down costs a statement and a log line per interval, not one per second.
  let failures = 0;

  function schedule(afterMs: number): void {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      drain().then(
        () => (failures = 0),
        (error: unknown) => {
          const waitMs = Math.min(retryMs * 2 ** failures, sweepEveryMs);
          failures++;
          options.logger?.warn("could not index ended turns for search; retrying", {
            error: String(error),
            retryInMs: waitMs,
          });
          schedule(waitMs);
        },
      );
    }, afterMs);
    timer.unref();
  }

  return {
    nudge: () => schedule(delayMs),
    drain,
    start() {
      if (closed || sweep) return;
      schedule(0);
      sweep = setInterval(() => schedule(0), sweepEveryMs);
      sweep.unref();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(sweep);
      // A graceful stop indexes what its last replies marked; a failure leaves it to the next start.
      await drain().catch((error: unknown) => {
        options.logger?.warn("could not index ended turns for search before stopping", {
          error: String(error),
        });
      });
    },
  };
}
