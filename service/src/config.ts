/**
 * Configuration: environment variables parsed once at start-up with clear errors. The only reader of
 * `process.env`. Every setting is documented in .env.example.
 */
import { z } from "zod";
import { defaultHealthWatchLimits } from "./adapters/connect/health.js";
import { defaultLeaseSettings } from "./application/replies/lease-keeper.js";
import { defaultDeltaCoalescing } from "./application/replies/delta-coalescing.js";
import { defaultConnectionLimits } from "./adapters/http/connection-limits.js";
import { loadModelsFile, singleModelSetup } from "./models-config.js";
import { defaultImportLimits } from "./application/transfer/import-limits.js";
import { defaultInstructionsBounds } from "./application/instructions/instructions-rules.js";
import { defaultTitleSettings } from "./application/titles/title-writer.js";

const integer = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value && value.trim().length > 0 ? value : undefined));

/** `MODEL_PRICES`: JSON, model name (or family prefix) → USD per 1M input and output tokens. */
const modelPrices = z
  .string()
  .optional()
  .transform((value, context) => {
    if (!value || value.trim() === "") return {};
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: "custom", message: "must be JSON" });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().min(1),
      z.strictObject({ input: z.number().min(0), output: z.number().min(0) }),
      'must look like {"gpt-4o-mini":{"input":0.15,"output":0.6}} (USD per 1M tokens)',
    ),
  );

const schema = z.object({
  PORT: integer(8080).pipe(z.number().max(65_535)),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .default("mysql://root@127.0.0.1:3306/parley")
    .refine((url) => /^mysql:\/\//.test(url), "must be a mysql:// URL"),
  AUTH_TOKEN: optionalText,
  API_KEY_CACHE_MS: integer(5_000),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalText.pipe(z.url().optional()),
  MODEL: z.string().min(1).default("gpt-4o-mini"),
  MODELS_FILE: optionalText,
  MODEL_CONTEXT_TOKENS: integer(0).describe("0 = from the model table"),
  MODEL_PRICES: modelPrices,
  MAX_OUTPUT_TOKENS: integer(1024, 1),
  TEMPERATURE: z.coerce.number().min(0).max(2).default(1),
  SYSTEM_PROMPT: z.string().default("You are Parley, a helpful assistant. Answer clearly and concisely."),
  INITIAL_CHAT_MESSAGE: optionalText,
  INSTRUCTIONS_MAX_BYTES: integer(defaultInstructionsBounds.maxBytes, 1).pipe(
    z.number().max(65_535, "at most 65535 (the column's size)"),
  ),
  INSTRUCTIONS_MAX_TOKENS: integer(defaultInstructionsBounds.maxTokens, 1),
  // Unset: the chat's own model; empty or `off`: no generated titles.
  TITLE_MODEL: z
    .string()
    .max(100, "a model name is at most 100 characters")
    .optional()
    .transform((value) => (value === undefined ? undefined : value.trim())),
  TITLE_TIMEOUT_MS: integer(defaultTitleSettings.timeoutMs, 100),
  TITLE_MAX_CONCURRENT: integer(defaultTitleSettings.maxConcurrent, 1),
  ORPHAN_GRACE_MS: integer(30_000),
  REQUEST_ID_WINDOW_HOURS: integer(24, 1).pipe(
    z.number().max(720, "REQUEST_ID_WINDOW_HOURS is at most 720 (30 days)"),
  ),
  SHUTDOWN_GRACE_MS: integer(10_000),
  REPLY_COALESCE_MS: integer(defaultDeltaCoalescing.maxAgeMs).pipe(
    z.number().max(1_000, "REPLY_COALESCE_MS is at most 1000"),
  ),
  REPLY_COALESCE_BYTES: integer(defaultDeltaCoalescing.maxBytes, 1),
  PROGRESS_INTERVAL_MS: optionalText.pipe(z.coerce.number<string | undefined>().int().min(50).optional()),
  REDIS_URL: optionalText.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .optional(),
  ),
  REDIS_KEY_PREFIX: z.string().min(1).default("parley:"),
  REPLY_LEASE_MS: integer(defaultLeaseSettings.leaseMs, 1_000),
  REPLY_LEASE_RENEW_MS: integer(defaultLeaseSettings.renewEveryMs, 100),
  REPLY_LEASE_SWEEP_MS: integer(defaultLeaseSettings.sweepEveryMs, 100),
  UPSTREAM_IDLE_TIMEOUT_MS: integer(30_000, 100),
  UPSTREAM_MAX_RETRIES: integer(2),
  UPSTREAM_KEEP_ALIVE_MS: integer(60_000, 1_000),
  LIMIT_CONCURRENT_REPLIES: integer(3),
  LIMIT_MESSAGES_PER_MINUTE: integer(20),
  LIMIT_DAILY_TOKENS: integer(0),
  LIMIT_MONTHLY_TOKENS: integer(0),
  LIMIT_MONTHLY_COST_MICROS: integer(0),
  MAX_MESSAGE_BYTES: integer(32_768, 1),
  MAX_LIVE_REPLIES: integer(100),
  MODEL_CALL_AFTER_COMMIT: z
    .enum(["true", "false", ""], { message: "MODEL_CALL_AFTER_COMMIT is true or false" })
    .default("false")
    .transform((value) => value === "true"),
  TURN_PRE_READ: z
    .enum(["true", "false", ""], { message: "TURN_PRE_READ is true or false" })
    .default("false")
    .transform((value) => value === "true"),
  MAX_REQUEST_BYTES: integer(262_144, 1024),
  MAX_DEADLINE_MS: integer(600_000, 1000),
  IMPORT_MAX_BYTES: integer(defaultImportLimits.maxBytes, 1024),
  IMPORT_MAX_CHATS: integer(defaultImportLimits.maxChats, 1),
  IMPORT_MAX_MESSAGES: integer(defaultImportLimits.maxMessages, 1),
  IMPORT_MAX_CONCURRENT: integer(defaultImportLimits.maxConcurrent, 1),
  DATABASE_ACQUIRE_TIMEOUT_MS: integer(2_000, 10),
  FIRST_REQUEST_TIMEOUT_MS: integer(defaultConnectionLimits.firstRequestTimeoutMs, 100),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(defaultConnectionLimits.keepAliveTimeoutMs, 100),
  HTTP2_IDLE_TIMEOUT_MS: integer(defaultConnectionLimits.http2IdleTimeoutMs, 1000),
  HTTP2_MAX_CONCURRENT_STREAMS: integer(defaultConnectionLimits.maxConcurrentStreams, 1),
  MAX_CONNECTIONS_PER_ADDRESS: integer(defaultConnectionLimits.maxConnectionsPerAddress),
  MAX_HEALTH_WATCHES: integer(defaultHealthWatchLimits.maxHealthWatches),
  MAX_HEALTH_WATCHES_PER_CONNECTION: integer(defaultHealthWatchLimits.maxHealthWatchesPerConnection),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  SIMULATOR_PACE_MS: integer(25),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  METRICS_PORT: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1).max(65_535).optional()),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OTEL_SERVICE_NAME: z.string().min(1).default("parley-service"),
  TWILIO_ACCOUNT_SID: optionalText.pipe(
    z
      .string()
      .regex(/^AC[0-9a-f]{32}$/i, "must be an account SID (AC followed by 32 hex digits)")
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_WHATSAPP_FROM: optionalText.pipe(
    z
      .string()
      .regex(/^whatsapp:\+[1-9]\d{1,14}$/, "must be whatsapp:+ and the number, e.g. whatsapp:+14155238886")
      .optional(),
  ),
  PUBLIC_BASE_URL: optionalText.pipe(
    z
      .url({ protocol: /^https?$/ })
      .refine((url) => !/[?#]/.test(url), "must have no query or fragment")
      .transform((url) => url.replace(/\/+$/, ""))
      .optional(),
  ),
  TWILIO_API_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .default("https://api.twilio.com")
    .transform((url) => url.replace(/\/+$/, "")),
});

/** WhatsApp is on when all of these are set; some but not all is a mistake worth stopping for. */
const whatsAppVariables = [
  "TWILIO_ACCOUNT_SID",
  "TWILIO_AUTH_TOKEN",
  "TWILIO_WHATSAPP_FROM",
  "PUBLIC_BASE_URL",
] as const;

const checkedSchema = schema.superRefine((c, context) => {
  const missing = whatsAppVariables.filter((name) => c[name] === undefined);
  if (missing.length === 0 || missing.length === whatsAppVariables.length) return;
  for (const name of missing) {
    context.addIssue({
      code: "custom",
      path: [name],
      message: `needed for WhatsApp (set all of ${whatsAppVariables.join(", ")}, or none)`,
    });
  }
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = checkedSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join("\n")}`);
  }
  const c = parsed.data;
  const models = modelsSetup(c, env);
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    databaseAcquireTimeoutMs: c.DATABASE_ACQUIRE_TIMEOUT_MS,
    authToken: c.AUTH_TOKEN ?? null,
    apiKeyCacheMs: c.API_KEY_CACHE_MS,
    openai: {
      apiKey: c.OPENAI_API_KEY ?? null,
      baseUrl: c.OPENAI_BASE_URL ?? null,
      maxRetries: c.UPSTREAM_MAX_RETRIES,
    },
    model: c.MODEL,
    /** The providers and models chats may pick (MODELS_FILE, else the single-model settings). */
    models,
    contextWindowOverride: c.MODEL_CONTEXT_TOKENS || null,
    /** Overrides of the price table (model-catalog.ts), USD per 1M tokens. */
    modelPrices: c.MODEL_PRICES,
    maxOutputTokens: c.MAX_OUTPUT_TOKENS,
    temperature: c.TEMPERATURE,
    // The original service called it INITIAL_CHAT_MESSAGE; either name works, the original wins.
    systemPrompt: (c.INITIAL_CHAT_MESSAGE ?? c.SYSTEM_PROMPT).trim() || null,
    /** Caps on a chat's (or a preset's) own instructions. */
    instructions: { maxBytes: c.INSTRUCTIONS_MAX_BYTES, maxTokens: c.INSTRUCTIONS_MAX_TOKENS },
    /** Generated titles; null: off. `model` null: each chat's own model. */
    titles: titleConfig(c),
    orphanGraceMs: c.ORPHAN_GRACE_MS,
    /** How long a SendMessage `request_id` is remembered for safe retries. */
    requestIdWindowMs: c.REQUEST_ID_WINDOW_HOURS * 3_600_000,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    // With Redis the live text lives in the hub, so the database gets rarer checkpoints (DESIGN.md).
    /** Merging of deltas queued for a watcher whose transport is behind; null: off (REPLY_COALESCE_MS=0). */
    coalescing:
      c.REPLY_COALESCE_MS > 0 ? { maxAgeMs: c.REPLY_COALESCE_MS, maxBytes: c.REPLY_COALESCE_BYTES } : null,
    progressIntervalMs: c.PROGRESS_INTERVAL_MS ?? (c.REDIS_URL ? 10_000 : 1_000),
    redis: c.REDIS_URL ? { url: c.REDIS_URL, keyPrefix: c.REDIS_KEY_PREFIX } : null,
    leases: {
      leaseMs: c.REPLY_LEASE_MS,
      renewEveryMs: c.REPLY_LEASE_RENEW_MS,
      sweepEveryMs: c.REPLY_LEASE_SWEEP_MS,
    },
    upstreamIdleTimeoutMs: c.UPSTREAM_IDLE_TIMEOUT_MS,
    /** How long an idle connection to a provider is kept for the next request (upstream-agent.ts). */
    upstreamKeepAliveMs: c.UPSTREAM_KEEP_ALIVE_MS,
    maxMessageBytes: c.MAX_MESSAGE_BYTES,
    /** New replies beyond this many live ones in this process are refused (`server.overloaded`); 0: off. */
    maxLiveReplies: c.MAX_LIVE_REPLIES,
    /**
     * Whether a turn's model call waits for its commit (true), or starts before it — from the turn's
     * pre-read, else at its transaction's checks — and is aborted if the turn then fails (see turn.ts).
     */
    modelCallAfterCommit: c.MODEL_CALL_AFTER_COMMIT,
    /**
     * Whether a turn reads its chat ahead, beside its transaction, to start the model call before the
     * chat's lock (see turn.ts); off by default: on a local database it measured slower (benchmarks.md).
     */
    turnPreRead: c.TURN_PRE_READ,
    /** Per-user limits' defaults (0 = none); overrides per user in `user_limits`. */
    userLimits: {
      concurrentReplies: c.LIMIT_CONCURRENT_REPLIES,
      messagesPerMinute: c.LIMIT_MESSAGES_PER_MINUTE,
      dailyTokens: c.LIMIT_DAILY_TOKENS,
      monthlyTokens: c.LIMIT_MONTHLY_TOKENS,
      monthlyCostMicros: c.LIMIT_MONTHLY_COST_MICROS,
    },
    maxRequestBytes: c.MAX_REQUEST_BYTES,
    maxDeadlineMs: c.MAX_DEADLINE_MS,
    /** Bounds of one import (parley.transfer.v1 ImportChats) and of imports at once per process. */
    importLimits: {
      maxBytes: c.IMPORT_MAX_BYTES,
      maxChats: c.IMPORT_MAX_CHATS,
      maxMessages: c.IMPORT_MAX_MESSAGES,
      maxConcurrent: c.IMPORT_MAX_CONCURRENT,
    },
    limits: {
      firstRequestTimeoutMs: c.FIRST_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      http2IdleTimeoutMs: c.HTTP2_IDLE_TIMEOUT_MS,
      maxConcurrentStreams: c.HTTP2_MAX_CONCURRENT_STREAMS,
      maxConnectionsPerAddress: c.MAX_CONNECTIONS_PER_ADDRESS,
      maxHealthWatches: c.MAX_HEALTH_WATCHES,
      maxHealthWatchesPerConnection: c.MAX_HEALTH_WATCHES_PER_CONNECTION,
    },
    corsOrigins: c.CORS_ORIGINS,
    simulatorPaceMs: c.SIMULATOR_PACE_MS,
    logLevel: c.LOG_LEVEL,
    /** Prometheus metrics on their own port (localhost by default); null: off. */
    metrics: c.METRICS_PORT === undefined ? null : { port: c.METRICS_PORT, host: c.METRICS_HOST },
    /** OpenTelemetry traces over OTLP/HTTP; endpoint null: off (the SDK is not loaded). */
    tracing: { endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT ?? null, serviceName: c.OTEL_SERVICE_NAME },
    whatsapp: whatsAppConfig(c),
  };
}

/** MODELS_FILE when set, otherwise the single-model settings (or the simulator without a key). */
function modelsSetup(c: z.infer<typeof schema>, env: Record<string, string | undefined>) {
  const defaults = { maxOutputTokens: c.MAX_OUTPUT_TOKENS, prices: c.MODEL_PRICES };
  if (c.MODELS_FILE === undefined) {
    return singleModelSetup({
      ...defaults,
      model: c.MODEL,
      apiKey: c.OPENAI_API_KEY ?? null,
      baseUrl: c.OPENAI_BASE_URL ?? null,
      contextWindowOverride: c.MODEL_CONTEXT_TOKENS || null,
    });
  }
  try {
    return loadModelsFile(c.MODELS_FILE, env, defaults);
  } catch (error) {
    throw new ConfigError(`invalid configuration:\n  MODELS_FILE: ${(error as Error).message}`);
  }
}

/** TITLE_MODEL unset: the chat's model writes titles; empty or `off`: nobody does. */
function titleConfig(c: z.infer<typeof schema>) {
  if (c.TITLE_MODEL !== undefined && (c.TITLE_MODEL === "" || c.TITLE_MODEL.toLowerCase() === "off"))
    return null;
  return {
    model: c.TITLE_MODEL ?? null,
    timeoutMs: c.TITLE_TIMEOUT_MS,
    maxConcurrent: c.TITLE_MAX_CONCURRENT,
  };
}

/** The Twilio settings, or null when WhatsApp is off (none of them set). */
function whatsAppConfig(c: z.infer<typeof schema>) {
  if (!c.TWILIO_ACCOUNT_SID || !c.TWILIO_AUTH_TOKEN || !c.TWILIO_WHATSAPP_FROM || !c.PUBLIC_BASE_URL)
    return null;
  return {
    accountSid: c.TWILIO_ACCOUNT_SID,
    authToken: c.TWILIO_AUTH_TOKEN,
    from: c.TWILIO_WHATSAPP_FROM,
    publicBaseUrl: c.PUBLIC_BASE_URL,
    apiBaseUrl: c.TWILIO_API_BASE_URL,
  };
}
