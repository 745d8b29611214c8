import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRateLimitedWarn } from "@parley/log-line";
import type { Logger } from "../application/ports.js";

function recordingLogger() {
  const lines: [string, Record<string, unknown> | undefined][] = [];
  const logger: Logger = {
    info: () => {},
    warn: (message, fields) => lines.push([message, fields]),
    error: () => {},
  };
  return { lines, logger };
}

describe("createRateLimitedWarn", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("logs the first of a kind at once and counts the rest, one line per interval", () => {
    const { lines, logger } = recordingLogger();
    const warn = createRateLimitedWarn(logger.warn.bind(logger), { intervalMs: 10_000 });
    for (let i = 0; i < 2000; i++) warn("signature.invalid", "refused", { url: `/u${i}` });
    expect(lines).toEqual([["refused", { kind: "signature.invalid", url: "/u0" }]]);

    vi.advanceTimersByTime(9_999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines[1]).toEqual([
      "refused (1999 more in the last 10 s)",
      { kind: "signature.invalid", suppressed: 1999 },
    ]);

    // Still flooding: still one line per interval.
    for (let i = 0; i < 500; i++) warn("signature.invalid", "refused");
    vi.advanceTimersByTime(10_000);
    expect(lines.slice(2)).toEqual([
      ["refused (500 more in the last 10 s)", { kind: "signature.invalid", suppressed: 500 }],
    ]);

    // A quiet interval ends the window: the next one is logged at once, with its own fields.
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(3);
    warn("signature.invalid", "refused", { url: "/later" });
    expect(lines[3]).toEqual(["refused", { kind: "signature.invalid", url: "/later" }]);
  });

  it("limits each kind on its own", () => {
    const { lines, logger } = recordingLogger();
    const warn = createRateLimitedWarn(logger.warn.bind(logger));
    warn("a", "first a");
    warn("b", "first b");
    warn("a", "second a");
    expect(lines.map(([message]) => message)).toEqual(["first a", "first b"]);
    vi.advanceTimersByTime(10_000);
    expect(lines.map(([message]) => message)).toEqual([
      "first a",
      "first b",
      "first a (1 more in the last 10 s)",
    ]);
  });
});
