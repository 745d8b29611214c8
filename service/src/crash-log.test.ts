import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { logCrashes } from "./crash-log.js";

describe("logCrashes", () => {
  it("logs an uncaught error with its origin and stack as one line, then exits 1", () => {
    const lines: [string, Record<string, unknown> | undefined][] = [];
    const logger = {
      info: () => {},
      warn: () => {},
      error: (m: string, f?: Record<string, unknown>) => lines.push([m, f]),
    };
    const target = new EventEmitter();
    const exits: number[] = [];
    logCrashes(logger, target as unknown as NodeJS.Process, (code) => exits.push(code));
    const error = new Error("the live replies hub is unreachable");
    target.emit("uncaughtException", error, "unhandledRejection");
    expect(lines).toEqual([
      [
        "a bug ended the process",
        {
          origin: "unhandledRejection",
          error: "Error: the live replies hub is unreachable",
          stack: error.stack,
        },
      ],
    ]);
    expect(exits).toEqual([1]);
  });
});
