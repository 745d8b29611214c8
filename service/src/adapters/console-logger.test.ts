import { describe, expect, it } from "vitest";
import { createConsoleLogger } from "./console-logger.js";

function captured() {
  const lines: { stream: string; line: Record<string, unknown> }[] = [];
  const stream = (name: string) => ({
    write: (text: string) => lines.push({ stream: name, line: JSON.parse(text) as Record<string, unknown> }),
  });
  return { lines, output: { stdout: stream("stdout"), stderr: stream("stderr") } };
}

describe("createConsoleLogger", () => {
  it("keeps its own keys when a field has the same name", () => {
    const { lines, output } = captured();
    createConsoleLogger("info", { service: "parley" }, output).warn("could not answer", {
      message: "upstream said this",
      level: "error",
      service: "other",
      chatId: "c1",
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.stream).toBe("stderr");
    expect(lines[0]!.line).toMatchObject({
      level: "warn",
      message: "could not answer",
      service: "parley",
      "field.message": "upstream said this",
      "field.level": "error",
      "field.service": "other",
      chatId: "c1",
    });
  });

  it("bounds and scrubs an upstream error's text", () => {
    const { lines, output } = captured();
    const upstream = `401 Incorrect API key provided: sk-proj-abcdef123456. Authorization: Bearer xyz.abc ${"x".repeat(10_000)}`;
    createConsoleLogger("info", {}, output).error("reply generation failed", {
      error: upstream,
      cause: { message: upstream },
    });
    const { line } = lines[0]!;
    for (const text of [line.error, (line.cause as { message: string }).message] as string[]) {
      expect(text).not.toContain("abcdef123456");
      expect(text).not.toContain("xyz.abc");
      expect(text).toContain("sk-[redacted]");
      expect(text).toContain("Authorization: [redacted]");
      expect(text.length).toBeLessThan(2100);
    }
  });

  it("writes nothing below its level", () => {
    const { lines, output } = captured();
    createConsoleLogger("warn", {}, output).info("noise");
    expect(lines).toEqual([]);
  });
});
