import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { describe, expect, it } from "vitest";
import type { Logger } from "../logger";
import { refusalFacts, ServiceRefusal, toTRPCError } from "./connect-errors";

const logged: unknown[] = [];
const log: Logger = {
  info: () => undefined,
  warn: (...line: unknown[]) => logged.push(line),
  error: (...line: unknown[]) => logged.push(line),
};

/** A service error as the service sends it: a code, a message and the reason as ErrorInfo. */
function serviceError(code: Code, message: string, reason: string | null, domain = "parley") {
  const details =
    reason === null ? [] : [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain }) }];
  return new ConnectError(message, code, undefined, details);
}

describe("toTRPCError", () => {
  it.each([
    ["chat.not_found", Code.NotFound, "NOT_FOUND", "This chat does not exist, or it is not yours."],
    [
      "reply.in_progress",
      Code.FailedPrecondition,
      "CONFLICT",
      "This chat is still answering. Wait for the answer or stop it, then try again.",
    ],
    [
      "message.not_found",
      Code.NotFound,
      "NOT_FOUND",
      "That message is no longer in this chat. Reload the chat to see its latest state.",
    ],
    [
      "message.not_editable",
      Code.InvalidArgument,
      "BAD_REQUEST",
      "Only your own messages can be edited. To get another answer, regenerate it.",
    ],
    [
      "message.too_many_versions",
      Code.FailedPrecondition,
      "PRECONDITION_FAILED",
      "This message already has as many versions as it can hold. Pick one of them to go on from.",
    ],
    ["argument.invalid", Code.InvalidArgument, "BAD_REQUEST", "The service could not accept that request."],
    ["upstream.misconfigured", Code.Internal, "INTERNAL_SERVER_ERROR", "Something went wrong on our side."],
    ["storage.unavailable", Code.Unavailable, "SERVICE_UNAVAILABLE", expect.stringMatching(/unavailable/)],
    [
      "server.overloaded",
      Code.Unavailable,
      "SERVICE_UNAVAILABLE",
      "The chat service is busy right now. Please try again in a moment.",
    ],
  ])("maps the reason %s to %s with a message of its own", (reason, code, trpcCode, message) => {
    const error = toTRPCError(serviceError(code, "the service's own words", reason), log, "Op");
    expect({ code: error.code, message: error.message }).toEqual({ code: trpcCode, message });
    expect(error.cause).toEqual(new ServiceRefusal(reason));
  });

  it("maps a limit to TOO_MANY_REQUESTS with the service's sentence and when it resets", () => {
    const resetAt = "2026-04-01T00:00:00.000Z";
    const info = create(ErrorInfoSchema, {
      reason: "limit.daily_tokens",
      domain: "parley",
      metadata: { limit: "100000", resetAt },
    });
    const refused = new ConnectError(
      "daily limit of 100000 tokens reached; resets at 00:00 UTC",
      Code.ResourceExhausted,
      undefined,
      [{ desc: ErrorInfoSchema, value: info }],
    );
    const error = toTRPCError(refused, log, "Send");
    expect(error.code).toBe("TOO_MANY_REQUESTS");
    expect(error.message).toBe("Daily limit of 100000 tokens reached; resets at 00:00 UTC");
    expect(error.cause).toEqual(new ServiceRefusal("limit.daily_tokens", { resetAt, limit: 100_000 }));
  });

  it("maps a blocked account to FORBIDDEN, with no reset time", () => {
    const error = toTRPCError(serviceError(Code.PermissionDenied, "blocked", "account.blocked"), log, "Send");
    expect(error.code).toBe("FORBIDDEN");
    expect(error.cause).toEqual(new ServiceRefusal("account.blocked", {}));
  });

  it("shows the service's message for reasons about the person's own message", () => {
    const error = toTRPCError(
      serviceError(
        Code.InvalidArgument,
        "the message is longer than 10 bytes (UTF-8); shorten it",
        "message.too_long",
      ),
      log,
      "Send",
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("The message is longer than 10 bytes (UTF-8); shorten it");
  });

  it("never shows the service's words for an INVALID_ARGUMENT without a reason about the message", () => {
    const error = toTRPCError(
      serviceError(Code.InvalidArgument, "message too long, context window", null),
      log,
      "Op",
    );
    expect({ code: error.code, message: error.message }).toEqual({
      code: "BAD_REQUEST",
      message: "The service could not accept that request.",
    });
  });

  it("ignores reasons of another domain and falls back to the status code", () => {
    const error = toTRPCError(
      serviceError(Code.Unavailable, "down", "chat.not_found", "elsewhere"),
      log,
      "Op",
    );
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.cause).toEqual(new ServiceRefusal(null));
  });
});

describe("limit refusals", () => {
  /** RESOURCE_EXHAUSTED as the service sends it for a limit: ErrorInfo (with the limit) and RetryInfo. */
  function limitError(reason: string, retryDelaySeconds: number | null, metadata: Record<string, string>) {
    const details: ConstructorParameters<typeof ConnectError>[3] = [
      { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "parley", metadata }) },
    ];
    if (retryDelaySeconds !== null) {
      const retryDelay = { seconds: BigInt(retryDelaySeconds), nanos: 0 };
      details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay }) });
    }
    return new ConnectError(
      "daily limit of 100000 tokens reached; resets at 00:00 UTC",
      Code.ResourceExhausted,
      undefined,
      details,
    );
  }

  it.each([
    ["limit.concurrent_replies", "TOO_MANY_REQUESTS"],
    ["limit.rate", "TOO_MANY_REQUESTS"],
    ["limit.daily_tokens", "TOO_MANY_REQUESTS"],
    ["limit.monthly_tokens", "TOO_MANY_REQUESTS"],
    ["limit.monthly_cost", "TOO_MANY_REQUESTS"],
    ["account.blocked", "FORBIDDEN"],
  ])("maps %s to %s, with the service's sentence for a limit", (reason, trpcCode) => {
    logged.length = 0;
    const error = toTRPCError(limitError(reason, null, {}), log, "SendMessage");
    expect(error.code).toBe(trpcCode);
    // Refusals under a limit are not logged as failures (a flood of them would flood the log).
    expect(logged).toHaveLength(trpcCode === "TOO_MANY_REQUESTS" ? 0 : 1);
    if (trpcCode === "TOO_MANY_REQUESTS")
      expect(error.message).toBe("Daily limit of 100000 tokens reached; resets at 00:00 UTC");
    else expect(error.message).not.toMatch(/UTC|100000/);
    expect((error.cause as ServiceRefusal).reason).toBe(reason);
  });

  it("reads the reset time from RetryInfo against the clock, and the limit from ErrorInfo's metadata", () => {
    const now = Date.parse("2026-12-03T22:30:00Z");
    const error = limitError("limit.daily_tokens", 5400, { limit: "100000" });
    expect(refusalFacts(error, now)).toEqual({ resetAt: "2026-12-04T00:00:00.000Z", limit: 100_000 });
  });

  it("carries when to retry an overloaded server, from its RetryInfo", () => {
    const before = Date.now();
    const error = toTRPCError(limitError("server.overloaded", 1, {}), log, "SendMessage");
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    const resetAt = Date.parse((error.cause as ServiceRefusal).facts.resetAt ?? "");
    expect(resetAt - before).toBeGreaterThanOrEqual(1_000);
    expect(resetAt - Date.now()).toBeLessThanOrEqual(1_000);
  });

  it("leaves out what the service did not say (or said wrong)", () => {
    expect(refusalFacts(limitError("limit.rate", null, {}), 0)).toEqual({});
    expect(refusalFacts(limitError("limit.rate", null, { limit: "many" }), 0)).toEqual({});
  });

  it("carries the facts on the refusal for the error formatter", () => {
    const before = Date.now();
    const error = toTRPCError(limitError("limit.rate", 30, { limit: "1" }), log, "SendMessage");
    const facts = (error.cause as ServiceRefusal).facts;
    expect(facts.limit).toBe(1);
    const resetAt = Date.parse(facts.resetAt ?? "");
    expect(resetAt - before).toBeGreaterThanOrEqual(30_000);
    expect(resetAt - Date.now()).toBeLessThanOrEqual(30_000);
  });
});
