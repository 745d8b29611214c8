// WhatsApp under a limit: the sender gets the refusal's sentence once per limit period, not once per
// message; the model is not asked; each refused turn records the reason (and the limits-hit metric counts
// it). The next period tells them again.
import { parseSamples } from "@parley/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceMetrics } from "../../src/adapters/metrics/service-metrics.js";
import { createMysqlUserLimitsStore } from "../../src/adapters/mysql/mysql-user-limits-store.js";
import type { UserLimitsStore } from "../../src/application/limits/limits-ports.js";
import { aSender, startWhatsAppParley, type WhatsAppHarness } from "../support/whatsapp-harness.js";

const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
const metrics = createServiceMetrics({ models: ["gpt-4o-mini"], processMetrics: false });
const limitsHit = async () =>
  parseSamples(await metrics.registry.metrics()).get(`parley_limits_hit_total{limit="daily_tokens"}`);
let store: UserLimitsStore;
let harness: WhatsAppHarness;
beforeAll(async () => {
  const lateStore: UserLimitsStore = {
    settingsOf: (userId) => store.settingsOf(userId),
    limitsOf: (userId, monthStart, today) => store.limitsOf(userId, monthStart, today),
    update: (userId, change, now) => store.update(userId, change, now),
  };
  const defaults = {
    concurrentReplies: 3,
    messagesPerMinute: 0,
    dailyTokens: 1,
    monthlyTokens: 0,
    monthlyCostMicros: 0,
  };
  harness = await startWhatsAppParley({ clock, metrics, userLimits: { defaults, store: lateStore } });
  store = createMysqlUserLimitsStore(harness.database.db);
});
afterAll(() => harness?.stop());

describe("a WhatsApp sender over their daily limit", () => {
  it("is told once per day, not once per message", async () => {
    const sender = aSender();
    await harness.say(sender, "Hello there"); // answered: its usage spends the 1-token day
    const asked = harness.simulator.requests.length;
    await harness.say(sender, "one");
    await harness.say(sender, "two");
    await harness.say(sender, "three");
    const sentence = "Daily limit of 1 tokens reached; resets at 00:00 UTC.";
    expect(harness.sentTo(sender).slice(1)).toEqual([sentence]);
    expect(harness.simulator.requests).toHaveLength(asked);
    const turns = await harness.turns(sender);
    expect(turns.slice(1).map((t) => [t["error_code"], t["parts_sent"]])).toEqual([
      ["limit.daily_tokens", 1],
      ["limit.daily_tokens", 0],
      ["limit.daily_tokens", 0],
    ]);
    expect(await limitsHit()).toBe(3);

    // The next day the budget is fresh: answered, then told again once it is spent.
    clock.offsetMs += 86_400_000;
    await harness.say(sender, "Hello again");
    await harness.say(sender, "four");
    await harness.say(sender, "five");
    expect(harness.sentTo(sender).slice(2)).toHaveLength(2);
    expect(harness.sentTo(sender).at(-1)).toBe(sentence);
    expect(await limitsHit()).toBe(5);
  });
});
