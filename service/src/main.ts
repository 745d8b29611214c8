/**
 * The composition root: reads the configuration, opens the database (creating and migrating it), picks
 * the model (OpenAI, any compatible server, or the built-in simulator when no key is set), and serves
 * every protocol on one port until SIGTERM/SIGINT, then shuts down gracefully and exits 0.
 */
import { createConsoleLogger } from "./adapters/console-logger.js";
import { whatsAppWebhookPath } from "./adapters/http/twilio-whatsapp-webhook.js";
import { createDatabase, type Database } from "./adapters/mysql/database.js";
import { createMysqlApiKeyStore } from "./adapters/mysql/mysql-api-key-store.js";
import { createMysqlChatRepository } from "./adapters/mysql/mysql-chat-repository.js";
import { createSearchIndexer } from "./adapters/mysql/search-indexer.js";
import { createMysqlSendRequestStore } from "./adapters/mysql/mysql-send-request-store.js";
import { createMysqlUsageRepository } from "./adapters/mysql/mysql-usage-repository.js";
import { createMysqlSearchRepository } from "./adapters/mysql/mysql-search-repository.js";
import { createMysqlPresetStore } from "./adapters/mysql/mysql-preset-store.js";
import { createMysqlTitleStore } from "./adapters/mysql/mysql-title-store.js";
import { createMysqlUserLimitsStore } from "./adapters/mysql/mysql-user-limits-store.js";
import { createMysqlWhatsAppStore } from "./adapters/mysql/mysql-whatsapp-store.js";
import { createMysqlTransferStore } from "./adapters/mysql/mysql-transfer-store.js";
import { systemClock, uuidV7 } from "./adapters/system-clock.js";
import { createRedisReplyBus } from "./adapters/redis/redis-reply-bus.js";
import { createRedisRateLimiter } from "./adapters/redis/redis-rate-limiter.js";
import { createTwilioMessagesApi } from "./adapters/twilio/twilio-messages-api.js";
import { modelProfile } from "./application/model-catalog.js";
import { createUsageMeter } from "./application/usage/usage-meter.js";
import type { Logger } from "./application/ports.js";
import { createParley, type WhatsAppOptions } from "./app.js";
import { loadConfig, type Config } from "./config.js";
import { connectModels } from "./connect-models.js";
import { DomainError } from "./domain/errors.js";
import { startMetrics } from "./adapters/metrics/start-metrics.js";
import { observeReplyBus } from "./adapters/metrics/reply-bus-metrics.js";
import { startTracing } from "./adapters/tracing/start-tracing.js";
import { traceFields } from "./adapters/tracing/trace-fields.js";
import { listenForStopSignals, type StopSignals } from "./stop-signals.js";
import { logCrashes } from "./crash-log.js";

async function main(): Promise<void> {
  const signals = listenForStopSignals();
  loadDotEnv();
  const config = loadConfig();
  const tracing = await startTracing(config.tracing);
  // Request ids travel with the work (application/log-fields.ts); only trace ids are ambient, when on.
  const current = tracing ? traceFields : undefined;
  const logger = createConsoleLogger(config.logLevel, { service: "parley" }, process, current);
  logCrashes(logger);
  if (tracing) logger.info(`tracing to ${config.tracing.endpoint} (OTLP/HTTP)`);
  const database = await openDatabase(config, logger, signals);
  if (database === null) {
    logger.info(`${signals.received} received while waiting for the database: stopped`);
    await tracing?.shutdown();
    process.exit(0);
  }
  const metrics = await startMetrics(
    { models: config.models.models.map((model) => model.id), metrics: config.metrics },
    database.pool,
    logger,
  );

  const upstream = await connectModels(config, database.db, logger, metrics?.onAttempt);
  const defaultModel = upstream.models.catalog.defaultModel;
  // A models file must give an unknown model's window; the single-model settings may leave it out.
  const guessedWindow = !modelProfile(config.model).known && config.contextWindowOverride === null;
  if (config.models.source === "settings" && guessedWindow) {
    logger.warn(
      `model ${config.model} is not in the model table: assuming a ${defaultModel.contextWindow}-token window; set MODEL_CONTEXT_TOKENS`,
    );
  }
  const tokenCounter = upstream.models.counterFor(defaultModel.encoding);
  const meter = createUsageMeter(tokenCounter, config.modelPrices, upstream.models);
  const searchIndexer = createSearchIndexer(database.db, { logger });
  const repository = createMysqlChatRepository(database.db, meter, searchIndexer);
  searchIndexer.start();
  if (config.authToken === null)
    logger.warn("AUTH_TOKEN is not set: every caller is accepted (development only)");
  const whatsapp = await connectWhatsApp(config, database, logger);
  const bus = config.redis
    ? createRedisReplyBus({
        ...config.redis,
        coalescing: config.coalescing,
        logger,
        ...(metrics && { observer: observeReplyBus(metrics.metrics) }),
      })
    : undefined;
  if (config.redis)
    logger.info("sharing live replies with other replicas through Redis", {
      redis: redact(config.redis.url),
      keyPrefix: config.redis.keyPrefix,
    });

  const rate = config.redis ? createRedisRateLimiter({ ...config.redis, logger }) : undefined;
  const parley = createParley({
    repository,
    usage: createMysqlUsageRepository(database.db),
    search: createMysqlSearchRepository(database.db),
    userLimits: {
      defaults: config.userLimits,
      store: createMysqlUserLimitsStore(database.db),
      ...(rate && { rate }),
    },
    meter,
    model: upstream.model,
    models: upstream.models,
    tokenCounter,
    clock: systemClock,
    newId: uuidV7,
    logger,
    settings: {
      model: defaultModel.id,
      limits: { contextWindow: defaultModel.contextWindow, maxOutputTokens: defaultModel.maxOutputTokens },
      temperature: config.temperature,
      systemPrompt: config.systemPrompt,
      systemPromptTokens: config.systemPrompt === null ? null : tokenCounter.count(config.systemPrompt),
      maxMessageBytes: config.maxMessageBytes,
      instructions: config.instructions,
      maxLiveReplies: config.maxLiveReplies,
      modelCallAfterCommit: config.modelCallAfterCommit,
    },
    presets: createMysqlPresetStore(database.db),
    titles: config.titles
      ? { store: createMysqlTitleStore(database.db), settings: config.titles }
      : undefined,
    authToken: config.authToken,
    apiKeys: { store: createMysqlApiKeyStore(database.db), cacheMs: config.apiKeyCacheMs },
    corsOrigins: config.corsOrigins,
    orphanGraceMs: config.orphanGraceMs,
    sendRequests: { store: createMysqlSendRequestStore(database.db), windowMs: config.requestIdWindowMs },
    progressIntervalMs: config.progressIntervalMs,
    coalescing: config.coalescing,
    ...(bus && { bus }),
    leases: config.leases,
    maxRequestBytes: config.maxRequestBytes,
    maxDeadlineMs: config.maxDeadlineMs,
    limits: config.limits,
    ready: () =>
      database.ping().then(
        () => true,
        () => false,
      ),
    whatsapp,
    transfer: { store: createMysqlTransferStore(database.db), limits: config.importLimits },
    metrics: metrics?.metrics,
    tracing: tracing !== null,
  });
  const address = await parley.server.listen(config.port, config.host);
  logger.info(`Parley is serving gRPC, Connect, gRPC-Web and HTTP on ${config.host}:${address.port}`, {
    port: address.port,
    models: upstream.models.catalog.models.map((model) => model.id),
  });

  const stop = async (signal: string) => {
    logger.info(`${signal} received: shutting down`, { graceMs: config.shutdownGraceMs });
    await parley.shutdown(config.shutdownGraceMs);
    await bus?.close();
    await rate?.close();
    await upstream.close();
    await searchIndexer.close();
    await database.close();
    await metrics?.close();
    await tracing?.shutdown();
    logger.info("stopped");
    process.exit(0);
  };
  signals.handleWith(
    // A step that throws ends the process through logCrashes (logged, exit 1), as any other bug does.
    (signal) => void stop(signal),
    () => {
      logger.warn(
        "SIGINT again while shutting down: exiting now; live replies end when their leases run out",
      );
      process.exit(130);
    },
  );
}

/**
 * The database may still be starting (containers): retry an unreachable server for a while, unless the
 * process is asked to stop meanwhile (null).
 */
async function openDatabase(config: Config, logger: Logger, signals: StopSignals): Promise<Database | null> {
  for (let attempt = 1; signals.received === null; attempt++) {
    try {
      return await createDatabase(config.databaseUrl, {
        logger,
        acquireTimeoutMs: config.databaseAcquireTimeoutMs,
      });
    } catch (error) {
      if (!(error instanceof DomainError) || attempt >= 30) throw error;
      if (attempt === 1) logger.warn("waiting for the database", { url: redact(config.databaseUrl) });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  return null;
}

/** The WhatsApp channel when Twilio is configured. */
async function connectWhatsApp(
  config: Config,
  database: Database,
  logger: Logger,
): Promise<WhatsAppOptions | undefined> {
  const twilio = config.whatsapp;
  if (twilio === null) {
    logger.info(
      "WhatsApp is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM and PUBLIC_BASE_URL to turn it on",
    );
    return undefined;
  }
  const store = createMysqlWhatsAppStore(database.db);
  const webhookUrl = `${twilio.publicBaseUrl}${whatsAppWebhookPath}`;
  logger.info(
    `WhatsApp is on: in Twilio, set "When a message comes in" for ${twilio.from} to POST ${webhookUrl}`,
  );
  return {
    store,
    sender: createTwilioMessagesApi({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      baseUrl: twilio.apiBaseUrl,
      logger,
    }),
    from: twilio.from,
    authToken: twilio.authToken,
    publicBaseUrl: twilio.publicBaseUrl,
  };
}

/** Settings from `.env` in the working directory (or the repository root), when there is one. */
function loadDotEnv(): void {
  for (const path of [".env", "../.env"]) {
    try {
      process.loadEnvFile(path);
      return;
    } catch {
      // No such file: the environment alone configures Parley.
    }
  }
}

/** Hides a URL's password (`redis://:secret@host` has a password and no user). */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `${JSON.stringify({ level: "error", message: `Parley could not start: ${message}` })}\n`,
  );
  process.exit(1);
});
