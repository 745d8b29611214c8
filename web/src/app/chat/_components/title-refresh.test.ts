import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatSummary, TitleSource } from "~/lib/chat-types";
import { followGeneratedTitle, titleRefreshDelaysMs } from "./title-refresh";

const summary = (titleSource: TitleSource): ChatSummary => ({
  id: "c1",
  title: titleSource === "generated" ? "Generated" : "First message",
  model: "m",
  customInstructions: false,
  instructionsTokens: 0,
  titleSource,
  createdAt: "",
  updatedAt: "",
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("followGeneratedTitle", () => {
  it("refetches with growing waits until the title is no longer the first message's", async () => {
    const sources: TitleSource[] = ["first_message", "first_message", "generated"];
    let current: TitleSource = "first_message";
    const refetch = vi.fn(async () => {
      current = sources.shift() ?? current;
    });
    const done = followGeneratedTitle("c1", {
      cached: () => summary(current),
      refetch,
      signal: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(refetch).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1 + 1_000 + 2_000);
    await expect(done).resolves.toBe(true);
    expect(refetch).toHaveBeenCalledTimes(3);
  });

  it(`gives up after ${titleRefreshDelaysMs.length} tries`, async () => {
    const refetch = vi.fn(async () => undefined);
    const done = followGeneratedTitle("c1", {
      cached: () => summary("first_message"),
      refetch,
      signal: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(titleRefreshDelaysMs.reduce((a, b) => a + b, 0));
    await expect(done).resolves.toBe(false);
    expect(refetch).toHaveBeenCalledTimes(titleRefreshDelaysMs.length);
  });

  it("does nothing for a title the user set, and stops when the page is left", async () => {
    const refetch = vi.fn(async () => undefined);
    const leaving = new AbortController();
    const signal = leaving.signal;
    await expect(
      followGeneratedTitle("c1", { cached: () => summary("user"), refetch, signal }),
    ).resolves.toBe(true);
    const done = followGeneratedTitle("c1", { cached: () => summary("first_message"), refetch, signal });
    leaving.abort();
    await expect(done).resolves.toBe(false);
    expect(refetch).not.toHaveBeenCalled();
  });
});
