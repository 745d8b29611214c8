// Per-user limits, end to end over a real MariaDB and the real protocols: at the limit the next message is
// refused with RESOURCE_EXHAUSTED + RetryInfo (429 + Retry-After on /chat), nothing is written, the
// simulator sees no request, another user is unaffected, and the limit resets (an injected clock, no
// sleeps). 20 concurrent sends from one user: exactly the configured number stream.
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@parley/gen/google/rpc/error_details_pb";
import { UsageService } from "@parley/gen/parley/usage/v1/usage_pb";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMysqlUserLimitsStore } from "../../src/adapters/mysql/mysql-user-limits-store.js";
import type { UserLimitsStore } from "../../src/application/limits/limits-ports.js";
import {
  blockUser,
  setUserLimits,
  unblockUser,
  type AdminDeps,
} from "../../src/application/limits/user-limits-admin.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { createMysqlUsageRepository } from "../../src/adapters/mysql/mysql-usage-repository.js";
import { testUsageMeter } from "../support/test-usage-meter.js";
import type { UserLimits } from "../../src/domain/limits.js";
import { protocols, startParley, testToken, type Harness } from "../support/parley-harness.js";
import { refusedLegacyChatStream } from "../support/legacy-chat-stream.js";
import { collectReply, expectCode, rowCounts, streamingReplies } from "../support/rpc-probes.js";

const defaults: UserLimits = {
  concurrentReplies: 3,
  messagesPerMinute: 100,
  dailyTokens: 0,
  monthlyTokens: 0,
  monthlyCostMicros: 0,
};
/** The service's clock: the real time plus an offset a test moves forward (limits reset with it). */
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

let harness: Harness;
let store: UserLimitsStore;
let admin: AdminDeps;
beforeAll(async () => {
  // The store is the harness's database's, which exists once the harness has started.
  const lateStore: UserLimitsStore = {
    settingsOf: (userId) => store.settingsOf(userId),
    limitsOf: (userId, monthStart, today) => store.limitsOf(userId, monthStart, today),
    update: (userId, change, now) => store.update(userId, change, now),
  };
  harness = await startParley({ clock, userLimits: { defaults, store: lateStore } });
  store = createMysqlUserLimitsStore(harness.database.db);
  admin = { defaults, store, clock };
});
afterAll(() => harness?.stop());
beforeEach(() => harness.simulator.reset());

const aUser = () => `limits-${randomUUID()}`;

/** Sends one message over `protocol` and reads the whole reply; expects it to complete. */
async function sendOk(userId: string, protocol: (typeof protocols)[number] = "grpc") {
  const reply = await collectReply(harness.client(protocol).sendMessage({ userId, text: "Hello there" }));
  expect(reply.error?.rawMessage).toBeUndefined();
  return reply;
}

/** What must not change when a message is refused: rows and the simulator's requests. */
async function footprint(userId: string) {
  return { rows: await rowCounts(harness, userId), upstream: harness.simulator.requests.length };
}

function detailsOf(error: ConnectError) {
  const info = error.findDetails(ErrorInfoSchema)[0];
  const retry = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  const retryMs = retry ? Number(retry.seconds) * 1000 + retry.nanos / 1e6 : null;
  return { reason: info?.reason, metadata: info?.metadata, retryMs };
}

describe("the rate limit, on every protocol", () => {
  it.each(protocols)(
    "%s: the message over the limit is refused, nothing written; it resets",
    async (protocol) => {
      const userId = aUser();
      await setUserLimits(admin, userId, { messagesPerMinute: 2 });
      await sendOk(userId, protocol);
      await sendOk(userId, protocol);
      const before = await footprint(userId);

      const error = await expectCode(
        harness.client(protocol).sendMessage({ userId, text: "one more" }),
        Code.ResourceExhausted,
      );
      expect(error.rawMessage).toMatch(/^2 messages a minute at most; try again in \d+ s$/);
      const { reason, metadata, retryMs } = detailsOf(error);
      expect(reason).toBe("limit.rate");
      expect(metadata?.["limit"]).toBe("2");
      // GCRA: a burst of 2, then one every 30 s.
      expect(retryMs).toBeGreaterThan(25_000);
      expect(retryMs).toBeLessThanOrEqual(30_000);
      expect(new Date(metadata?.["resetAt"] ?? "").getTime()).toBeGreaterThan(clock.now().getTime());
      expect(await footprint(userId)).toEqual(before);

      await sendOk(aUser(), protocol); // another user is unaffected
      clock.offsetMs += 30_000;
      await sendOk(userId, protocol); // and the limit passes with time
    },
  );
});

describe("budgets", () => {
  it("daily tokens: refused once spent, 429 + Retry-After on /chat, and again the next UTC day", async () => {
    const userId = aUser();
    await setUserLimits(admin, userId, { dailyTokens: 1 });
    await sendOk(userId); // its usage is well over 1 token: the next one is refused
    const before = await footprint(userId);

    const error = await expectCode(
      harness.client("connect-h1").sendMessage({ userId, text: "more" }),
      Code.ResourceExhausted,
    );
    expect(error.rawMessage).toBe("daily limit of 1 tokens reached; resets at 00:00 UTC");
    const { reason, metadata, retryMs } = detailsOf(error);
    expect(reason).toBe("limit.daily_tokens");
    const midnight = new Date(clock.now().toISOString().slice(0, 10) + "T00:00:00Z").getTime() + 86_400_000;
    expect(metadata?.["resetAt"]).toBe(new Date(midnight).toISOString());
    expect(retryMs).toBeGreaterThan(0);
    expect(retryMs).toBeLessThanOrEqual(midnight - Date.now() - clock.offsetMs + 1_000);

    const response = await fetch(`${harness.baseUrl}/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${testToken}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: userId, user_message: "more" }),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBe(Math.ceil((retryMs ?? 0) / 1000));
    expect(await response.json()).toMatchObject({ error: { code: "limit.daily_tokens" } });
    expect(await footprint(userId)).toEqual(before);

    const usage = await createClient(UsageService, harness.transport("grpc")).getUsage({ userId });
    expect(usage.limits).toMatchObject({
      dailyTokenLimit: 1n,
      dailyTokensLeft: 0n,
      concurrentRepliesLimit: 3,
      messagesPerMinuteLimit: 100,
    });

    await sendOk(aUser());
    clock.offsetMs += 86_400_000;
    await sendOk(userId);
  });

  it.each([
    ["monthly tokens", { monthlyTokens: 1 }, "limit.monthly_tokens", /^monthly limit of 1 tokens reached/],
    ["monthly cost", { monthlyCostMicros: 1 }, "limit.monthly_cost", /^monthly cost limit of 0\.00 USD/],
  ])("%s: refused once spent, over gRPC-Web", async (_, overrides, reason, message) => {
    const userId = aUser();
    await setUserLimits(admin, userId, overrides);
    await sendOk(userId);
    const before = await footprint(userId);
    const error = await expectCode(
      harness.client("grpc-web").sendMessage({ userId, text: "more" }),
      Code.ResourceExhausted,
    );
    expect(error.rawMessage).toMatch(message);
    expect(detailsOf(error).reason).toBe(reason);
    expect(detailsOf(error).retryMs).toBeGreaterThan(0);
    expect(await footprint(userId)).toEqual(before);
    await sendOk(aUser());
  });

  it("the legacy ChatStream is refused too (RESOURCE_EXHAUSTED with details)", async () => {
    const userId = aUser();
    await setUserLimits(admin, userId, { dailyTokens: 1 });
    await sendOk(userId);
    const before = await footprint(userId);
    const error = await refusedLegacyChatStream(harness.port, testToken, {
      user_id: userId,
      user_message: "more",
    });
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // grpc-js leaves grpc-message percent-encoded (as Connect sends it, per the gRPC spec).
    expect(decodeURIComponent(error.details)).toBe("daily limit of 1 tokens reached; resets at 00:00 UTC");
    expect(error.metadata.get("grpc-status-details-bin")).toHaveLength(1);
    expect(await footprint(userId)).toEqual(before);
  });
});

describe("blocked", () => {
  it("a blocked user is PERMISSION_DENIED with nothing written, until unblocked", async () => {
    const userId = aUser();
    await blockUser(admin, userId);
    const before = await footprint(userId);
    const error = await expectCode(
      harness.client("grpc").sendMessage({ userId, text: "hi" }),
      Code.PermissionDenied,
    );
    expect(detailsOf(error)).toMatchObject({ reason: "account.blocked", retryMs: null });
    expect(await footprint(userId)).toEqual(before);
    await unblockUser(admin, userId);
    await sendOk(userId);
  });
});

describe("concurrent replies", () => {
  it("20 concurrent sends from one user: exactly 3 stream, 17 are refused; another user is unaffected", async () => {
    const userId = aUser();
    // Slow answers, so all 20 sends arrive while the first ones are still being written.
    harness.simulator.when("busy", { deltas: Array.from({ length: 40 }, () => "word "), paceMs: 50 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async () => {
        try {
          for await (const response of harness.client("grpc").sendMessage({ userId, text: "busy" })) {
            if (response.event?.kind.case === "started") return { started: response.event.kind.value };
          }
          return { error: new Error("ended without starting") };
        } catch (error) {
          return { error: ConnectError.from(error) };
        }
      }),
    );
    const started = outcomes.flatMap((o) => ("started" in o && o.started ? [o.started] : []));
    const refused = outcomes.flatMap((o) => (o.error instanceof ConnectError ? [o.error] : []));
    expect(started).toHaveLength(3);
    expect(refused).toHaveLength(17);
    for (const error of refused) {
      expect(Code[error.code]).toBe("ResourceExhausted");
      expect(error.rawMessage).toBe("3 answers are already being written; wait for one to finish");
      expect(detailsOf(error)).toMatchObject({ reason: "limit.concurrent_replies", retryMs: 5_000 });
    }
    expect(await rowCounts(harness, userId)).toEqual({ chats: 3, messages: 6 });
    await sendOk(aUser());
    expect(harness.simulator.requests).toHaveLength(4);
    for (const reply of started) await harness.client("grpc").stopReply({ userId, replyId: reply.replyId });
    await expect.poll(() => streamingReplies(harness)).toBe(0);
    await sendOk(userId); // a slot is free again
  });
});

describe("concurrent replies across replicas", () => {
  it("two processes on one database: 20 concurrent sends of one user, split between them → exactly 3 stream", async () => {
    const second = await startParley({
      clock,
      repository: createMysqlChatRepository(harness.database.db, testUsageMeter),
      usage: createMysqlUsageRepository(harness.database.db),
      userLimits: { defaults, store },
    });
    try {
      const userId = aUser();
      const slow = { deltas: Array.from({ length: 20 }, () => "word "), paceMs: 50 };
      harness.simulator.when("busy", slow);
      second.simulator.when("busy", slow);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          const replica = index % 2 === 0 ? harness : second;
          try {
            for await (const response of replica.client("grpc").sendMessage({ userId, text: "busy" })) {
              if (response.event?.kind.case === "started") return "started";
            }
            return "ended without starting";
          } catch (error) {
            return Code[ConnectError.from(error).code];
          }
        }),
      );
      expect(outcomes.filter((o) => o === "started")).toHaveLength(3);
      expect(outcomes.filter((o) => o === "ResourceExhausted")).toHaveLength(17);
      expect(harness.simulator.requests.length + second.simulator.requests.length).toBe(3);
      await expect.poll(() => streamingReplies(harness), { timeout: 10_000 }).toBe(0);
    } finally {
      await second.parley.shutdown(0);
      await second.simulator.close();
      await second.database.drop();
    }
  });
});
