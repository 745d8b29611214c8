/**
 * Assembles Parley from its parts without listening: the use cases, the live-reply hub, and the server
 * with every protocol on one port. main.ts passes production adapters; tests pass real or fake ones.
 */
import type { ChatSettings } from "./application/chat-use-case-deps.js";
import { createChatUseCases, type ChatUseCases } from "./application/chat-use-cases.js";
import type {
  ChatModel,
  ChatRepository,
  Clock,
  IdGenerator,
  Logger,
  TokenCounter,
} from "./application/ports.js";
import { ReplyHub } from "./application/reply-hub.js";
import { createAuthInterceptor, createTokenCheck } from "./adapters/connect/auth-interceptor.js";
import { createHealthService, type HealthService } from "./adapters/connect/health.js";
import { createRoutes, servedServiceNames } from "./adapters/connect/routes.js";
import { createChatEndpoint } from "./adapters/http/chat-endpoint.js";
import { createServer, type HttpHandler, type ParleyServer } from "./adapters/http/create-server.js";

export interface ParleyOptions {
  repository: ChatRepository;
  model: ChatModel;
  tokenCounter: TokenCounter;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  settings: ChatSettings;
  /** null: every caller is accepted (local development only). */
  authToken: string | null;
  corsOrigins: readonly string[];
  orphanGraceMs: number;
  progressIntervalMs: number;
  maxRequestBytes: number;
  maxDeadlineMs: number;
  /** Consulted by health checks of "" (e.g. a database ping). */
  ready?: () => Promise<boolean>;
  /** More plain HTTP endpoints by path (webhooks). */
  httpRoutes?: Record<string, HttpHandler>;
}

export interface Parley {
  server: ParleyServer;
  hub: ReplyHub;
  health: HealthService;
  useCases: ChatUseCases;
  /**
   * Graceful shutdown: health NOT_SERVING, no new connections, replies get `graceMs` to finish, then the
   * rest end `interrupted` (their callers get UNAVAILABLE), then every connection closes.
   */
  shutdown(graceMs: number): Promise<void>;
}

export function createParley(options: ParleyOptions): Parley {
  const { logger } = options;
  const hub = new ReplyHub({
    model: options.model,
    repository: options.repository,
    tokenCounter: options.tokenCounter,
    clock: options.clock,
    logger,
    orphanGraceMs: options.orphanGraceMs,
    progressIntervalMs: options.progressIntervalMs,
  });
  const useCases = createChatUseCases({ ...options, hub });
  const health = createHealthService({
    services: servedServiceNames,
    ...(options.ready && { readiness: { check: options.ready } }),
  });
  const server = createServer({
    routes: createRoutes(useCases, health, logger),
    interceptors: options.authToken === null ? [] : [createAuthInterceptor(options.authToken)],
    httpRoutes: {
      "/chat": createChatEndpoint({
        useCases,
        logger,
        checkToken: createTokenCheck(options.authToken),
        maxRequestBytes: options.maxRequestBytes,
      }),
      ...options.httpRoutes,
    },
    corsOrigins: options.corsOrigins,
    maxRequestBytes: options.maxRequestBytes,
    maxDeadlineMs: options.maxDeadlineMs,
  });
  return {
    server,
    hub,
    health,
    useCases,
    async shutdown(graceMs) {
      health.shutdown();
      server.stopAccepting();
      await hub.shutdown(graceMs);
      await server.close();
    },
  };
}
