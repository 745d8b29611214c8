/**
 * The usage router against a fake UsageService: it asks for the signed-in user's usage only, and turns
 * the 64-bit counters into plain JSON numbers (clamped, never wrong, past 2^53).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { GetUsageResponseSchema } from "@parley/gen/parley/usage/v1/usage_pb";
import { describe, expect, it } from "vitest";
import { toSafeNumber } from "../../service/usage-view";
import {
  createFakeChatService,
  createFakeUsageService,
  fakeServiceCaller,
} from "../../../../test/support/fake-chat-service";
import { rejection } from "../../../../test/support/trpc-probes";

const totals = (tokens: bigint) => ({
  promptTokens: tokens - 10n,
  completionTokens: 10n,
  totalTokens: tokens,
  replies: 2,
  estimatedReplies: 1,
  costMicros: 1_500n,
  currencyCode: "USD",
});

const response = create(GetUsageResponseSchema, {
  today: totals(120n),
  thisMonth: totals(2n ** 60n),
  days: [{ date: "2026-12-03", totals: totals(120n) }],
  limits: {
    dailyTokenLimit: 100_000n,
    dailyTokensLeft: 99_880n,
    currencyCode: "USD",
    dailyResetsAt: timestampFromDate(new Date("2026-12-04T00:00:00Z")),
  },
  asOf: timestampFromDate(new Date("2026-12-03T22:30:00Z")),
});

describe("usage router", () => {
  it("reads the signed-in user's usage and converts it to JSON numbers", async () => {
    const fake = createFakeUsageService({ getUsage: () => response });
    const caller = await fakeServiceCaller(createFakeChatService({}).chat, "alice", undefined, {
      usage: fake.usage,
    });

    const usage = await caller.usage.get();
    expect(fake.calls).toEqual([
      { method: "getUsage", request: expect.objectContaining({ userId: "web:alice" }) },
    ]);
    expect(usage.today).toEqual({
      promptTokens: 110,
      completionTokens: 10,
      totalTokens: 120,
      replies: 2,
      estimatedReplies: 1,
      costMicros: 1_500,
      currency: "USD",
    });
    expect(usage.thisMonth.totalTokens).toBe(Number.MAX_SAFE_INTEGER);
    expect(usage.days).toEqual([{ date: "2026-12-03", totals: usage.today }]);
    expect(usage.limits).toEqual({
      dailyTokens: 100_000,
      monthlyTokens: 0,
      monthlyCostMicros: 0,
      dailyTokensLeft: 99_880,
      monthlyTokensLeft: 0,
      monthlyCostLeftMicros: 0,
      currency: "USD",
      dailyResetsAt: "2026-12-04T00:00:00.000Z",
      monthlyResetsAt: null,
    });
    expect(usage.asOf).toBe("2026-12-03T22:30:00.000Z");
    // What goes to the browser is JSON as it is: no bigint left anywhere.
    expect(JSON.parse(JSON.stringify(usage))).toEqual(usage);
  });

  it("refuses anonymous callers without asking the service, and maps the service's failures", async () => {
    const fake = createFakeUsageService({
      getUsage: () => {
        throw new ConnectError("db down", Code.Unavailable);
      },
    });
    const anonymous = await fakeServiceCaller(createFakeChatService({}).chat, null, undefined, {
      usage: fake.usage,
    });
    expect(await rejection(anonymous.usage.get())).toMatchObject({ code: "UNAUTHORIZED" });
    expect(fake.calls).toEqual([]);

    const alice = await fakeServiceCaller(createFakeChatService({}).chat, "alice", undefined, {
      usage: fake.usage,
    });
    expect(await rejection(alice.usage.get())).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });

  it("clamps counters past 2^53 rather than sending a wrong number", () => {
    expect(toSafeNumber(0n)).toBe(0);
    expect(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
