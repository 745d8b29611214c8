// The indexer's timing on fake timers, over a stand-in for the database that only counts and fails
// transactions (test/integration/search.test.ts runs it against MariaDB).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatDatabase } from "./database.js";
import { createSearchIndexer } from "./search-indexer.js";

/** A database whose transactions find nothing marked, or fail while `failing` is set. */
function countingDatabase() {
  const state = { transactions: 0, failing: false };
  const db = {
    transaction: () => {
      state.transactions++;
      return state.failing ? Promise.reject(new Error("connection lost")) : Promise.resolve(0);
    },
  } as unknown as ChatDatabase;
  return { db, state };
}

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the search indexer", () => {
  it("drains once for the nudges of replies that end within its delay", async () => {
    const { db, state } = countingDatabase();
    const indexer = createSearchIndexer(db, { delayMs: 100 });
    indexer.nudge();
    await vi.advanceTimersByTimeAsync(60);
    indexer.nudge();
    indexer.nudge();
    expect(state.transactions).toBe(0);
    await vi.advanceTimersByTimeAsync(40);
    expect(state.transactions).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.transactions).toBe(1);
  });

  it("drains once when asked to while a nudge waits: the nudge is covered, not run again", async () => {
    const { db, state } = countingDatabase();
    const indexer = createSearchIndexer(db, { delayMs: 100 });
    indexer.nudge();
    await vi.advanceTimersByTimeAsync(50);
    expect(await indexer.drain()).toBe(0);
    expect(state.transactions).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.transactions).toBe(1);
    indexer.nudge(); // a reply ending after the drain is drained again
    await vi.advanceTimersByTimeAsync(100);
    expect(state.transactions).toBe(2);
  });

  it("logs a failed drain and tries again after retryMs", async () => {
    const { db, state } = countingDatabase();
    const log = logger();
    const indexer = createSearchIndexer(db, { delayMs: 10, retryMs: 500, logger: log });
    state.failing = true;
    indexer.nudge();
    await vi.advanceTimersByTimeAsync(10);
    expect(state.transactions).toBe(1);
    expect(log.warn).toHaveBeenCalledWith("could not index ended turns for search; retrying", {
      error: "Error: connection lost",
      retryInMs: 500,
    });
    state.failing = false;
    await vi.advanceTimersByTimeAsync(499);
    expect(state.transactions).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.transactions).toBe(2);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it("waits twice as long after each failure in a row, up to sweepEveryMs, and from retryMs after a success", async () => {
    const { db, state } = countingDatabase();
    const log = logger();
    const indexer = createSearchIndexer(db, { delayMs: 0, retryMs: 500, sweepEveryMs: 3_000, logger: log });
    state.failing = true;
    indexer.nudge();
    await vi.advanceTimersByTimeAsync(0);
    for (const waitMs of [500, 1_000, 2_000, 3_000, 3_000]) {
      const before = state.transactions;
      await vi.advanceTimersByTimeAsync(waitMs - 1);
      expect(state.transactions).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(state.transactions).toBe(before + 1);
    }
    expect(log.warn.mock.calls.map(([, fields]) => (fields as { retryInMs: number }).retryInMs)).toEqual([
      500, 1_000, 2_000, 3_000, 3_000, 3_000,
    ]);
    state.failing = false;
    await vi.advanceTimersByTimeAsync(3_000); // succeeds
    state.failing = true;
    indexer.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(log.warn.mock.calls.at(-1)?.[1]).toMatchObject({ retryInMs: 500 });
  });

  it("once started, drains at once and then every sweepEveryMs, until closed", async () => {
    const { db, state } = countingDatabase();
    const indexer = createSearchIndexer(db, { sweepEveryMs: 30_000 });
    indexer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.transactions).toBe(1);
    await vi.advanceTimersByTimeAsync(30_001);
    expect(state.transactions).toBe(2);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(state.transactions).toBe(3);
    await indexer.close(); // its own last drain
    expect(state.transactions).toBe(4);
    indexer.nudge();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.transactions).toBe(4);
  });
});
