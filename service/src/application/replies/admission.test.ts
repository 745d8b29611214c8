import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { AdmissionSeat, admitNewReply, admits, overloadRetryMs } from "./admission.js";

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

  it("counts sends admitted but not yet started, until each releases its seat", () => {
    const hub = {};
    const policy = { maxLiveReplies: 3 };
    let live = 1;
    const first = new AdmissionSeat(hub);
    const second = new AdmissionSeat(hub);
    first.take(policy, live); // 1 live + 0 pending
    second.take(policy, live); // 1 live + 1 pending
    expect(() => new AdmissionSeat(hub).take(policy, live)).toThrow(/as many messages as it can/);
    // The first send's reply started (the hub counts it now) and its seat is released: still full.
    live = 2;
    first.release();
    expect(() => new AdmissionSeat(hub).take(policy, live)).toThrow(DomainError);
    // The second send failed before its reply started: its seat frees a place.
    second.release();
    second.release(); // releasing twice frees it once
    const third = new AdmissionSeat(hub);
    third.take(policy, live);
    expect(() => new AdmissionSeat(hub).take(policy, live)).toThrow(DomainError);
    third.release();
    // Another hub (process) has its own count; off (0) holds no seat.
    new AdmissionSeat({}).take(policy, 0);
    const off = new AdmissionSeat(hub);
    off.take({ maxLiveReplies: 0 }, 10);
    off.release();
    new AdmissionSeat(hub).take(policy, live);
  });
});
