import { describe, expect, it } from "vitest";
import { describeError, formatLogLine } from "./logger";

const at = new Date("2026-12-03T10:00:00.000Z");

describe("formatLogLine", () => {
  it("keeps the line's own keys when fields have the same names", () => {
    const line = JSON.parse(
      formatLogLine("warn", "could not load the chat", { message: "upstream text", app: "x", time: 1 }, at),
    );
    expect(line).toEqual({
      time: "2026-12-03T10:00:00.000Z",
      level: "warn",
      message: "could not load the chat",
      app: "web",
      "field.message": "upstream text",
      "field.app": "x",
      "field.time": 1,
    });
  });

  it("bounds and scrubs an upstream error's text, cause chain included", () => {
    const inner = new Error(`Authorization: Bearer s3cr3t.t0k3n ${"y".repeat(10_000)}`);
    const outer = new Error("Incorrect API key provided: sk-abcdefghijkl", { cause: inner });
    const line = JSON.parse(formatLogLine("error", "service call failed", describeError(outer), at));
    expect(line.error).toBe("Error: Incorrect API key provided: sk-[redacted]");
    expect(line.cause.error).not.toContain("s3cr3t");
    expect(line.cause.error).toMatch(/^Error: Authorization: \[redacted\] y+…\[\d+ more characters\]$/);
    expect(line.cause.error.length).toBeLessThan(2100);
  });

  it("ends a cyclic cause chain", () => {
    const error = new Error("loop");
    error.cause = error;
    expect(JSON.stringify(describeError(error)).match(/loop/g)).toHaveLength(5);
  });
});
