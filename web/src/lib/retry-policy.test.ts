import { describe, expect, it } from "vitest";
import { isWorthRetrying } from "./retry-policy";

describe("isWorthRetrying", () => {
  it.each([
    [{ code: "SERVICE_UNAVAILABLE", reason: "storage.unavailable" }, true],
    [{ code: "SERVICE_UNAVAILABLE", reason: "upstream.unavailable" }, true],
    [{ code: "NOT_FOUND", reason: "chat.not_found" }, false],
    [{ code: "CONFLICT", reason: "reply.in_progress" }, false],
    [{ code: "BAD_REQUEST", reason: "message.too_long" }, false],
    [{ code: "INTERNAL_SERVER_ERROR", reason: "upstream.misconfigured" }, false],
    [{ code: "SERVICE_UNAVAILABLE", reason: null }, true],
    [{ code: "UNAUTHORIZED", reason: null }, false],
    [{ code: null, reason: null }, true],
  ])("%j → %s", (facts, expected) => {
    expect(isWorthRetrying(facts)).toBe(expected);
  });
});
