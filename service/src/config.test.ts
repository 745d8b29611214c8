import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const twilio = {
  TWILIO_ACCOUNT_SID: `AC${"0123456789abcdef".repeat(2)}`,
  TWILIO_AUTH_TOKEN: "secret",
  TWILIO_WHATSAPP_FROM: "whatsapp:+14155238886",
  PUBLIC_BASE_URL: "https://parley.example.com/",
};

describe("the WhatsApp settings", () => {
  it("are off when none is set (or set empty)", () => {
    expect(loadConfig({}).whatsapp).toBeNull();
    expect(loadConfig({ TWILIO_ACCOUNT_SID: "", PUBLIC_BASE_URL: " " }).whatsapp).toBeNull();
  });

  it("are on when all four are set; the API base URL defaults to Twilio's", () => {
    expect(loadConfig(twilio).whatsapp).toEqual({
      accountSid: twilio.TWILIO_ACCOUNT_SID,
      authToken: "secret",
      from: "whatsapp:+14155238886",
      publicBaseUrl: "https://parley.example.com",
      apiBaseUrl: "https://api.twilio.com",
    });
    const local = loadConfig({ ...twilio, TWILIO_API_BASE_URL: "http://127.0.0.1:9999/" });
    expect(local.whatsapp?.apiBaseUrl).toBe("http://127.0.0.1:9999");
  });

  it("refuse to start with some but not all of them, naming the missing ones", () => {
    const { TWILIO_AUTH_TOKEN: _token, PUBLIC_BASE_URL: _url, ...partial } = twilio;
    expect(() => loadConfig(partial)).toThrow(ConfigError);
    expect(() => loadConfig(partial)).toThrow(/TWILIO_AUTH_TOKEN[\s\S]*PUBLIC_BASE_URL/);
  });

  it.each([
    ["TWILIO_ACCOUNT_SID", "not-a-sid"],
    ["TWILIO_WHATSAPP_FROM", "+14155238886"],
    ["PUBLIC_BASE_URL", "parley.example.com"],
    ["PUBLIC_BASE_URL", "https://parley.example.com/?x=1"],
    ["TWILIO_API_BASE_URL", "ftp://api.twilio.com"],
  ])("refuse a malformed %s (%s)", (name, value) => {
    expect(() => loadConfig({ ...twilio, [name]: value })).toThrow(new RegExp(name));
  });
});

describe("the Redis settings", () => {
  it("are off when REDIS_URL is unset: one process, progress saved every second", () => {
    const config = loadConfig({ REDIS_URL: "" });
    expect(config.redis).toBeNull();
    expect(config.progressIntervalMs).toBe(1_000);
  });

  it("turn the shared hub on, with rarer database checkpoints unless set", () => {
    const config = loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" });
    expect(config.redis).toEqual({ url: "redis://127.0.0.1:6379", keyPrefix: "parley:" });
    expect(config.progressIntervalMs).toBe(10_000);
    const tuned = loadConfig({
      REDIS_URL: "rediss://r:6380",
      REDIS_KEY_PREFIX: "a:",
      PROGRESS_INTERVAL_MS: "2000",
    });
    expect(tuned.redis).toEqual({ url: "rediss://r:6380", keyPrefix: "a:" });
    expect(tuned.progressIntervalMs).toBe(2_000);
  });

  it("refuse a URL that is not redis:// or rediss://", () => {
    expect(() => loadConfig({ REDIS_URL: "http://127.0.0.1:6379" })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ PROGRESS_INTERVAL_MS: "10" })).toThrow(/PROGRESS_INTERVAL_MS/);
  });
});

describe("coalescing (REPLY_COALESCE_MS, REPLY_COALESCE_BYTES)", () => {
  it("is on by default: parts within 16 ms, up to 16 KiB per merged delta", () => {
    expect(loadConfig({}).coalescing).toEqual({ maxAgeMs: 16, maxBytes: 16_384 });
  });

  it("is off at 0, and takes bounds up to 1000 ms and from 1 byte", () => {
    expect(loadConfig({ REPLY_COALESCE_MS: "0" }).coalescing).toBeNull();
    expect(loadConfig({ REPLY_COALESCE_MS: "1000", REPLY_COALESCE_BYTES: "1" }).coalescing).toEqual({
      maxAgeMs: 1_000,
      maxBytes: 1,
    });
  });

  it("refuses an age over 1000 ms and a cap under 1 byte", () => {
    expect(() => loadConfig({ REPLY_COALESCE_MS: "1001" })).toThrow(/REPLY_COALESCE_MS/);
    expect(() => loadConfig({ REPLY_COALESCE_BYTES: "0" })).toThrow(/REPLY_COALESCE_BYTES/);
  });
});

describe("MODEL_PRICES", () => {
  it("is empty when unset, and parsed from JSON when set", () => {
    expect(loadConfig({}).modelPrices).toEqual({});
    expect(loadConfig({ MODEL_PRICES: '{"gpt-4o-mini":{"input":0.15,"output":0.6}}' }).modelPrices).toEqual({
      "gpt-4o-mini": { input: 0.15, output: 0.6 },
    });
  });

  it.each([
    ["not JSON", "{gpt"],
    ["a negative price", '{"m":{"input":-1,"output":0}}'],
    ["a missing price", '{"m":{"input":1}}'],
    ["an unknown field", '{"m":{"input":1,"output":1,"cached":1}}'],
  ])("refuses %s, naming the variable", (_, value) => {
    expect(() => loadConfig({ MODEL_PRICES: value })).toThrow(/MODEL_PRICES/);
  });
});

describe("the per-user limits", () => {
  it("default to 3 live answers and 20 messages a minute, budgets off", () => {
    expect(loadConfig({}).userLimits).toEqual({
      concurrentReplies: 3,
      messagesPerMinute: 20,
      dailyTokens: 0,
      monthlyTokens: 0,
      monthlyCostMicros: 0,
    });
  });

  it("are read from LIMIT_*, and refuse what is not a whole number ≥ 0", () => {
    const env = {
      LIMIT_DAILY_TOKENS: "100000",
      LIMIT_MONTHLY_COST_MICROS: "5000000",
      LIMIT_CONCURRENT_REPLIES: "0",
    };
    expect(loadConfig(env).userLimits).toMatchObject({
      concurrentReplies: 0,
      dailyTokens: 100_000,
      monthlyCostMicros: 5_000_000,
    });
    expect(() => loadConfig({ LIMIT_MESSAGES_PER_MINUTE: "-1" })).toThrow(/LIMIT_MESSAGES_PER_MINUTE/);
    expect(() => loadConfig({ LIMIT_DAILY_TOKENS: "1.5" })).toThrow(/LIMIT_DAILY_TOKENS/);
  });
});

describe("TURN_PRE_READ (a turn's model call from a read ahead of its transaction)", () => {
  it("is off by default and on only with true", () => {
    expect(loadConfig({}).turnPreRead).toBe(false);
    expect(loadConfig({ TURN_PRE_READ: "" }).turnPreRead).toBe(false);
    expect(loadConfig({ TURN_PRE_READ: "false" }).turnPreRead).toBe(false);
    expect(loadConfig({ TURN_PRE_READ: "true" }).turnPreRead).toBe(true);
    expect(() => loadConfig({ TURN_PRE_READ: "yes" })).toThrow(/TURN_PRE_READ/);
  });
});

describe("MODEL_CALL_AFTER_COMMIT (the turn's model call and its commit)", () => {
  it("defaults to false (the call starts with the commit), takes true or false, and refuses anything else", () => {
    expect(loadConfig({}).modelCallAfterCommit).toBe(false);
    expect(loadConfig({ MODEL_CALL_AFTER_COMMIT: "" }).modelCallAfterCommit).toBe(false);
    expect(loadConfig({ MODEL_CALL_AFTER_COMMIT: "false" }).modelCallAfterCommit).toBe(false);
    expect(loadConfig({ MODEL_CALL_AFTER_COMMIT: "true" }).modelCallAfterCommit).toBe(true);
    expect(() => loadConfig({ MODEL_CALL_AFTER_COMMIT: "yes" })).toThrow(/MODEL_CALL_AFTER_COMMIT/);
  });
});

describe("MAX_LIVE_REPLIES (overload admission)", () => {
  it("defaults to 100 live replies per process, 0 turns it off, and refuses what is not a whole number ≥ 0", () => {
    expect(loadConfig({}).maxLiveReplies).toBe(100);
    expect(loadConfig({ MAX_LIVE_REPLIES: "0" }).maxLiveReplies).toBe(0);
    expect(loadConfig({ MAX_LIVE_REPLIES: "250" }).maxLiveReplies).toBe(250);
    expect(() => loadConfig({ MAX_LIVE_REPLIES: "-1" })).toThrow(/MAX_LIVE_REPLIES/);
    expect(() => loadConfig({ MAX_LIVE_REPLIES: "many" })).toThrow(/MAX_LIVE_REPLIES/);
  });
});

describe("TITLE_MODEL", () => {
  it("unset: titles are written by each chat's own model, with the default bounds", () => {
    expect(loadConfig({}).titles).toEqual({ model: null, timeoutMs: 15_000, maxConcurrent: 4 });
  });

  it("names the model that writes titles", () => {
    expect(loadConfig({ TITLE_MODEL: "gpt-4.1-nano", TITLE_TIMEOUT_MS: "5000" }).titles).toEqual({
      model: "gpt-4.1-nano",
      timeoutMs: 5_000,
      maxConcurrent: 4,
    });
  });

  it.each(["", "  ", "off", "OFF"])("%j turns generated titles off", (value) => {
    expect(loadConfig({ TITLE_MODEL: value }).titles).toBeNull();
  });
});

describe("INSTRUCTIONS_MAX_BYTES and INSTRUCTIONS_MAX_TOKENS", () => {
  it("default to 16 KiB and 4 000 tokens", () => {
    expect(loadConfig({}).instructions).toEqual({ maxBytes: 16_384, maxTokens: 4_000 });
  });

  it("refuse more bytes than the column holds", () => {
    expect(() => loadConfig({ INSTRUCTIONS_MAX_BYTES: "70000" })).toThrow(
      "INSTRUCTIONS_MAX_BYTES: at most 65535 (the column's size)",
    );
  });
});

describe("the metrics settings", () => {
  it("are off unless METRICS_PORT is set, and bind to localhost by default", () => {
    expect(loadConfig({}).metrics).toBeNull();
    expect(loadConfig({ METRICS_PORT: "" }).metrics).toBeNull();
    expect(loadConfig({ METRICS_PORT: "9464" }).metrics).toEqual({ port: 9464, host: "127.0.0.1" });
    expect(loadConfig({ METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0" }).metrics?.host).toBe("0.0.0.0");
  });

  it("refuse a port that is not 1–65535", () => {
    expect(() => loadConfig({ METRICS_PORT: "0" })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_PORT: "70000" })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_PORT: "ninety" })).toThrow(/METRICS_PORT/);
  });
});
