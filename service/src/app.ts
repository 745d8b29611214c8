/**
 * Assembles Parley from its parts without listening: the use cases, the live-reply hub, and the server
 * with every protocol on one port. main.ts passes production adapters; tests pass real or fake ones.
 */
import type { ChatSettings } from "./application/chat-use-cases.js";
import { ChatUseCases } from "./application/chat-use-cases.js";
import { counterOfModel, type ChatModels } from "./application/models/chat-models.js";
import type { ChatModel } from "./application/replies/chat-model.js";
import type { DeltaCoalescing } from "./application/replies/delta-coalescing.js";
import type { ChatRepository } from "./application/chats/chat-repository.js";
import type { Clock, IdGenerator, Lease, Logger, TokenCounter } from "./application/ports.js";
import { defaultLeaseSettings, LeaseKeeper, type LeaseSettings } from "./application/replies/lease-keeper.js";
import { inProcessReplyBus, type ReplyBus } from "./application/replies/reply-bus.js";
import { ReplyHub } from "./application/replies/reply-hub.js";
import { getUsage } from "./application/usage/get-usage.js";
import type { LimitsDeps } from "./application/limits/check-limits.js";
import { createInMemoryRateLimiter } from "./application/limits/in-memory-rate-limiter.js";
import type { RateLimiter, UserLimitsStore } from "./application/limits/limits-ports.js";
import type { UserLimits } from "./domain/limits.js";
import { createUsageMeter, type UsageMeter } from "./application/usage/usage-meter.js";
import type { UsageRepository } from "./application/usage/usage-repository.js";
import type { SearchRepository } from "./application/search/search-repository.js";
import { searchChats } from "./application/search/search-chats.js";
import { WhatsAppInbox } from "./application/whatsapp/whatsapp-inbox.js";
import type { TransferStore } from "./application/transfer/transfer-store.js";
import { defaultImportLimits, type ImportLimits } from "./application/transfer/import-limits.js";
import { createTransferUseCases } from "./application/transfer/transfer-use-cases.js";
import { defaultInstructionsBounds } from "./application/instructions/instructions-rules.js";
import type { PresetStore } from "./application/presets/preset-store.js";
import { PresetUseCases } from "./application/presets/preset-use-cases.js";
import type { TitleStore } from "./application/titles/title-store.js";
import { sendRequestSweep, type SendRequestsDeps } from "./application/chats/send-requests.js";
import { TitleWriter, type TitleSettings } from "./application/titles/title-writer.js";
import type { ApiKeyStore } from "./application/keys/api-key-store.js";
import { ApiKeyUseCases } from "./application/keys/api-key-use-cases.js";
import { createApiKeyVerifier } from "./application/keys/api-key-verifier.js";
import type { WhatsAppSender, WhatsAppStore } from "./application/whatsapp/whatsapp-ports.js";
import { createAuthenticator, createAuthInterceptor } from "./adapters/connect/auth-interceptor.js";
import { createErrorInterceptor } from "./adapters/connect/connect-errors.js";
import {
  createHealthService,
  defaultHealthWatchLimits,
  type HealthWatchLimits,
} from "./adapters/connect/health.js";
import { createRoutes, servedServiceNames } from "./adapters/connect/routes.js";
import { createChatEndpoint } from "./adapters/http/chat-endpoint.js";
import { defaultConnectionLimits, type ConnectionLimits } from "./adapters/http/connection-limits.js";
import { createServer, type HttpHandler, type ParleyServer } from "./adapters/http/create-server.js";
import { createTwilioWhatsAppWebhook, whatsAppWebhookPath } from "./adapters/http/twilio-whatsapp-webhook.js";
import { createRpcMetricsInterceptor } from "./adapters/connect/rpc-metrics-interceptor.js";
import { observeParley } from "./adapters/metrics/observe-parley.js";
import { featureMetrics, type FeatureMetrics } from "./adapters/metrics/feature-metrics.js";
import type { ServiceMetrics } from "./adapters/metrics/service-metrics.js";
import { createRpcTracingInterceptor } from "./adapters/connect/rpc-tracing-interceptor.js";
import { createRequestIdInterceptor } from "./adapters/connect/request-id-interceptor.js";
import { createInProcessChatEvents } from "./application/chat-list/chat-events.js";
import { publishChatEvents } from "./application/chat-list/publish-chat-events.js";
import { ChatWatches, type ChatWatchSettings } from "./application/chat-list/watch-chats.js";
import { traceParts } from "./adapters/tracing/trace-parley.js";
import { traceWebhook, traceWhatsAppSender } from "./adapters/tracing/traced-whatsapp.js";

/** The WhatsApp channel through Twilio. */
export interface WhatsAppOptions {
  store: WhatsAppStore;
  sender: WhatsAppSender;
  /** Our WhatsApp sender, `whatsapp:+E164`: replies come from it. */
  from: string;
  /** Twilio's auth token: the key of the webhook signature. */
  authToken: string;
  /** The public URL Twilio calls, up to and without the webhook's path (the signature covers it). */
  publicBaseUrl: string;
}

/** Personal API keys: where they are stored and how long a verified one is trusted before asking again. */
export interface ApiKeyOptions {
  store: ApiKeyStore;
  /** The revocation bound: another replica refuses a revoked key at most this long after. */
  cacheMs: number;
  /** The clock of the key cache and of expiry; the app's clock when absent (tests move it on). */
  clock?: Clock;
}

/**
 * How long, at the end of shutdown, WhatsApp answers in flight get to be sent and recorded (their
 * replies are already finished or interrupted by then; sends no longer wait to retry). With the default
 * 10 s grace, shutdown stays inside docker compose's 15 s stop_grace_period.
 */
const whatsAppDrainMs = 3_000;

/** Every bound on what clients may hold of the server. */
export type ServerLimits = ConnectionLimits & HealthWatchLimits;

export interface ParleyOptions {
  repository: ChatRepository;
  /** The daily usage aggregates, for GetUsage. */
  usage: UsageRepository;
  /** The search index, for SearchChats. */
  search: SearchRepository;
  /**
   * Per-user limits (defaults from configuration, overrides in the store); the rate counter defaults
   * to this process's memory. Absent: no limits.
   */
  userLimits?: { defaults: UserLimits; store: UserLimitsStore; rate?: RateLimiter } | undefined;
  /** What replies cost (prices from MODEL_PRICES); default: the token counter and the default prices. */
  meter?: UsageMeter;
  model: ChatModel;
  tokenCounter: TokenCounter;
  /** The models chats may pick (a routing `model` serves them); absent: only `settings.model`. */
  models?: ChatModels;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  settings: ChatSettings;
  /** null: every caller is accepted (local development only); personal keys still act as their user. */
  authToken: string | null;
  apiKeys: ApiKeyOptions;
  corsOrigins: readonly string[];
  orphanGraceMs: number;
  progressIntervalMs: number;
  /** How deltas queued for a watcher that falls behind are merged; null or absent: never. */
  coalescing?: DeltaCoalescing | null | undefined;
  /** Where replicas share live replies; absent: this process is alone (the in-process bus). */
  bus?: ReplyBus;
  /** Bounds of WatchChats (per user and per watch); defaults when absent. */
  chatWatches?: ChatWatchSettings | undefined;
  /** Ownership leases of live replies; defaults when absent. */
  leases?: Partial<LeaseSettings>;
  maxRequestBytes: number;
  maxDeadlineMs: number;
  /** Bounds on what one client may hold: connections, streams, health watches. Defaults when absent. */
  limits?: Partial<ServerLimits>;
  /** Consulted by health checks of "" (e.g. a database ping). */
  ready?: () => Promise<boolean>;
  /** More plain HTTP endpoints by path (webhooks). */
  httpRoutes?: Record<string, HttpHandler>;
  /** Without it `POST /webhooks/twilio/whatsapp` is not served (404). */
  whatsapp?: WhatsAppOptions | undefined;
  /** Export and import (parley.transfer.v1): where chats are read and written, and the import bounds. */
  transfer: { store: TransferStore; limits?: Partial<ImportLimits> };
  /** Where users' presets (named instructions) are kept. */
  presets: PresetStore;
  /** Titles written by the model after a chat's first answer (through `model`); absent: off. */
  titles?: { store: TitleStore; settings: TitleSettings } | undefined;
  /** Client request ids of SendMessage (safe retries) and how long they are kept; absent: not kept. */
  sendRequests?: SendRequestsDeps | undefined;
  /** Where replies, the model and RPCs are counted (Prometheus); absent: nothing is. */
  metrics?: ServiceMetrics | undefined;
  /** Spans for RPCs, the turn, the model call, the final write and WhatsApp (OpenTelemetry is started). */
  tracing?: boolean | undefined;
}

export interface Parley {
  server: ParleyServer;
  /** The WhatsApp messages being answered; null when WhatsApp is not configured. */
  whatsapp: WhatsAppInbox | null;
  /** How many WatchChats streams `userId` has open on this process. */
  openChatWatches(userId: string): number;
  /**
   * Graceful shutdown: health NOT_SERVING, no new connections or WhatsApp messages, replies get `graceMs`
   * to finish, then the rest end `interrupted` (their callers get UNAVAILABLE, WhatsApp senders a note
   * to ask again), WhatsApp answers are sent, then every connection closes.
   */
  shutdown(graceMs: number): Promise<void>;
}

export function createParley(options: ParleyOptions): Parley {
  const { logger } = options;
  // This process start's name as the owner of the replies it generates: a restart is a new owner.
  const owner = options.newId();
  const leases = { ...defaultLeaseSettings, ...options.leases };
  const meter = options.meter ?? createUsageMeter(options.tokenCounter, {}, options.models);
  const traced = traceParts(options.tracing ?? false, options);
  const observed = observeParley(options.metrics, traced.model, meter);
  // Every change to a chat is announced to the user's chat-list watches once committed.
  const chatEvents = options.bus?.chatEvents ?? createInProcessChatEvents();
  const published = publishChatEvents(chatEvents, traced.repository, logger);
  const chatWatches = new ChatWatches(chatEvents, options.chatWatches);
  const counted = featureMetrics(options.metrics);
  const hub = new ReplyHub({
    model: observed.model,
    repository: published.repository,
    tokenCounter: options.tokenCounter,
    tokenCounterFor: options.models && counterOfModel(options.models),
    clock: options.clock,
    logger,
    orphanGraceMs: options.orphanGraceMs,
    progressIntervalMs: options.progressIntervalMs,
    coalescing: options.coalescing,
    owner,
    leaseMs: leases.leaseMs,
    stopElsewhereWaitMs: leases.leaseMs + leases.sweepEveryMs + 1_000,
    bus: options.bus ?? inProcessReplyBus,
    meter: observed.meter,
    observer: observed.observer,
  });
  observed.watch(hub);
  hub.listen().catch((error: unknown) =>
    logger.warn("cannot hear other replicas yet; stopping replies from elsewhere waits for the bus", {
      error: String(error),
    }),
  );
  const userLimits: LimitsDeps | undefined = options.userLimits && {
    ...options.userLimits,
    rate: options.userLimits.rate ?? createInMemoryRateLimiter(),
    clock: options.clock,
  };
  // Titles are written through the traced model but not the observed one: reply metrics count replies.
  const titles =
    options.titles &&
    new TitleWriter({
      ...options,
      ...options.titles,
      store: published.titles(options.titles.store),
      model: traced.model,
      meter,
      logger,
      onOutcome: counted.titleOutcome,
    });
  const useCases = new ChatUseCases({
    ...options,
    repository: published.repository,
    hub,
    userLimits,
    titles,
    chatWatches,
  });
  const presets = new PresetUseCases({
    ...options,
    store: options.presets,
    bounds: options.settings.instructions ?? defaultInstructionsBounds,
    limits: options.settings.limits,
  });
  const keyVerifier = createApiKeyVerifier({
    store: options.apiKeys.store,
    clock: options.apiKeys.clock ?? options.clock,
    logger,
    cacheMs: options.apiKeys.cacheMs,
  });
  const keys = new ApiKeyUseCases({
    store: options.apiKeys.store,
    clock: options.clock,
    newId: options.newId,
    forget: (keyId) => keyVerifier.forget(keyId),
  });
  const authenticate = createAuthenticator(options.authToken, keyVerifier);
  const whatsapp = whatsAppChannel(options, counted.whatsApp(useCases), (now) => hub.leaseFrom(now));
  const leaseKeeper = new LeaseKeeper({
    stores: [
      {
        name: "replies",
        store: options.repository,
        held: () => hub.heldReplyIds(),
        ended: (rows) => hub.sweptReplies(rows),
      },
      ...(options.sendRequests ? [sendRequestSweep(options.sendRequests)] : []),
      ...(whatsapp.inbox && options.whatsapp
        ? [{ name: "whatsapp", store: options.whatsapp.store, held: () => whatsapp.inbox!.heldTurns() }]
        : []),
    ],
    clock: options.clock,
    logger,
    owner,
    settings: leases,
  });
  leaseKeeper.start();
  const limits: ServerLimits = { ...defaultConnectionLimits, ...defaultHealthWatchLimits, ...options.limits };
  const health = createHealthService({
    services: servedServiceNames,
    ...(options.ready && { readiness: { check: options.ready } }),
    watchLimits: limits,
  });
  const server = createServer({
    routes: createRoutes({
      chat: useCases,
      usage: {
        getUsage: (input) =>
          getUsage({ usage: options.usage, clock: options.clock, limits: userLimits }, input),
      },
      keys,
      transfer: transfer(options, published.transfer(options.transfer.store), counted),
      search: { searchChats: counted.search((input) => searchChats({ search: options.search }, input)) },
      health,
      presets,
      maxRequestBytes: options.maxRequestBytes,
    }),
    interceptors: [
      createRequestIdInterceptor(),
      ...(options.tracing ? [createRpcTracingInterceptor()] : []),
      ...(options.metrics ? [createRpcMetricsInterceptor(options.metrics)] : []),
      createErrorInterceptor(logger),
      createAuthInterceptor(authenticate),
    ],
    httpRoutes: {
      "/chat": createChatEndpoint({
        useCases,
        logger,
        authenticate,
        maxRequestBytes: options.maxRequestBytes,
      }),
      ...whatsapp.routes,
      ...options.httpRoutes,
    },
    corsOrigins: options.corsOrigins,
    maxRequestBytes: options.maxRequestBytes,
    maxDeadlineMs: options.maxDeadlineMs,
    limits,
    logger,
  });
  return {
    server,
    whatsapp: whatsapp.inbox,
    openChatWatches: (userId) => chatWatches.openWatches(userId),
    async shutdown(graceMs) {
      health.shutdown();
      server.stopAccepting();
      whatsapp.inbox?.stopAccepting();
      await hub.shutdown(graceMs);
      await titles?.close();
      leaseKeeper.stop();
      await whatsapp.inbox?.drain(whatsAppDrainMs);
      await server.close();
    },
  };
}

/** The WhatsApp inbox and its webhook, when WhatsApp is configured. */
function transfer(options: ParleyOptions, store: TransferStore, counted: FeatureMetrics) {
  const useCases = createTransferUseCases({
    ...options,
    store,
    limits: { ...defaultImportLimits, ...options.transfer.limits },
    defaultModel: options.settings.model,
    maxMessageBytes: options.settings.maxMessageBytes,
  });
  return { ...useCases, importChats: counted.imports(useCases.importChats) };
}

function whatsAppChannel(
  options: ParleyOptions,
  useCases: Pick<ChatUseCases, "sendMessage" | "regenerateReply" | "stopReply">,
  lease: (now: Date) => Lease,
): { inbox: WhatsAppInbox | null; routes: Record<string, HttpHandler> } {
  const settings = options.whatsapp;
  if (!settings) return { inbox: null, routes: {} };
  const { logger, clock } = options;
  const tracing = options.tracing ?? false;
  const inbox = new WhatsAppInbox({
    useCases,
    store: settings.store,
    sender: tracing ? traceWhatsAppSender(settings.sender) : settings.sender,
    from: settings.from,
    lease,
    clock,
    logger,
  });
  const webhook = createTwilioWhatsAppWebhook({
    receive: (message) => inbox.receive(message),
    authToken: settings.authToken,
    publicBaseUrl: settings.publicBaseUrl,
    logger,
  });
  return {
    inbox,
    routes: { [whatsAppWebhookPath]: tracing ? traceWebhook("WhatsApp webhook", webhook) : webhook },
  };
}
