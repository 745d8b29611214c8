import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { admitNewReply, admits, overloadRetryMs } from "./admission.js";

describe("admission of new replies", () => {
  it.each([
    { maxLiveReplies: 0, live: 0, admitted: true },
    { maxLiveReplies: 0, live: 10_000, admitted: true },
    { maxLiveReplies: 1, live: 0, admitted: true },
    { maxLiveReplies: 1, live: 1, admitted: false },
    { maxLiveReplies: 2, live: 1, admitted: true },
    { maxLiveReplies: 2, live: 2, admitted: false },
    { maxLiveReplies: 200, live: 199, admitted: true },
    { maxLiveReplies: 200, live: 200, admitted: false },
    { maxLiveReplies: 200, live: 250, admitted: false },
  ])("max $maxLiveReplies with $live live: admitted $admitted", ({ maxLiveReplies, live, admitted }) => {
    expect(admits({ maxLiveReplies }, live)).toBe(admitted);
    if (admitted) expect(() => admitNewReply({ maxLiveReplies }, live)).not.toThrow();
    else expect(() => admitNewReply({ maxLiveReplies }, live)).toThrow(DomainError);
  });

  it("refuses with server.overloaded, the maximum and a retry delay", () => {
    let refusal: unknown;
    try {
      admitNewReply({ maxLiveReplies: 2 }, 2);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DomainError);
    const error = refusal as DomainError;
    expect(error.code).toBe("server.overloaded");
    expect(error.details).toEqual({ maxLiveReplies: 2 });
    expect(error.retryAfterMs).toBe(overloadRetryMs);
  });
});
