/**
 * A whole Parley on real parts for integration tests: a fresh MariaDB database, the simulator as the
 * upstream (reached by the real `openai` SDK), tiktoken, and the server listening on port 0. Clients for
 * every protocol talk to it over real sockets.
 */
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ChatService } from "@parley/gen/parley/chat/v1/chat_pb";
import { bearerAuth } from "@parley/test-support";
import { createOpenAIChatModel } from "../../src/adapters/openai/openai-chat-model.js";
import { createMysqlApiKeyStore } from "../../src/adapters/mysql/mysql-api-key-store.js";
import { createMysqlChatRepository } from "../../src/adapters/mysql/mysql-chat-repository.js";
import { createSearchIndexer } from "../../src/adapters/mysql/search-indexer.js";
import { createMysqlSendRequestStore } from "../../src/adapters/mysql/mysql-send-request-store.js";
import { createMysqlPresetStore } from "../../src/adapters/mysql/mysql-preset-store.js";
import { createMysqlTitleStore } from "../../src/adapters/mysql/mysql-title-store.js";
import type { TitleSettings } from "../../src/application/titles/title-writer.js";
import { testUsageMeter } from "./test-usage-meter.js";
import { createMysqlTransferStore } from "../../src/adapters/mysql/mysql-transfer-store.js";
import { createMysqlUsageRepository } from "../../src/adapters/mysql/mysql-usage-repository.js";
import { createMysqlSearchRepository } from "../../src/adapters/mysql/mysql-search-repository.js";
import { systemClock, uuidV7 } from "../../src/adapters/system-clock.js";
import { createTiktokenTokenCounter } from "../../src/adapters/tiktoken/tiktoken-token-counter.js";
import type { ChatRepository } from "../../src/application/chats/chat-repository.js";
import type { ChatModels } from "../../src/application/models/chat-models.js";
import type { Clock, Logger } from "../../src/application/ports.js";
import { createParley, type ParleyOptions, type WhatsAppOptions } from "../../src/app.js";
import { createSimulator } from "../../src/simulator/simulator.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { silentLogger } from "./use-case-fixture.js";

export const testToken = "parley-test-token";

export type Protocol = "grpc" | "connect-h2" | "connect-h1" | "grpc-web";
export const protocols: Protocol[] = ["grpc", "connect-h2", "connect-h1", "grpc-web"];

export interface HarnessOptions extends Partial<Omit<ParleyOptions, "settings" | "whatsapp">> {
  settings?: Partial<ParleyOptions["settings"]>;
  /** The WhatsApp channel, built on the harness's database (see whatsapp-harness.ts). */
  whatsapp?: (database: TestDatabase) => WhatsAppOptions;
  idleTimeoutMs?: number;
  maxRetries?: number;
  /** The clock of the API key cache and of key expiry (default: the system clock). */
  keyClock?: Clock;
  /** API_KEY_CACHE_MS (default 5 000). */
  keyCacheMs?: number;
  /** The models chats may pick, built on the harness's database (see models.test.ts). */
  modelsOn?: (database: TestDatabase) => ChatModels;
  /** Generated titles, stored in the harness's database; absent: off. */
  titleSettings?: TitleSettings;
  /** Told of every HTTP attempt at the simulator (metrics). */
  onAttempt?: (attempt: { retry: boolean; status: number | null }) => void;
  /** Where the model adapter logs (default: nowhere). */
  modelLogger?: Logger;
  /** Wraps the harness's MySQL chat repository (e.g. to count its calls). */
  wrapRepository?: (repository: ChatRepository) => ChatRepository;
}

export async function startParley(options: HarnessOptions = {}) {
  const simulator = createSimulator({ paceMs: 0 });
  const simulatorUrl = await simulator.listen(0, "127.0.0.1");
  const database = await createTestDatabase();
  const tokenCounter = createTiktokenTokenCounter("o200k_base");
  const wrap = options.wrapRepository ?? ((repository: ChatRepository) => repository);
  const searchIndexer = createSearchIndexer(database.db);
  const repository =
    options.repository ?? wrap(createMysqlChatRepository(database.db, testUsageMeter, searchIndexer));
  const parley = createParley({
    repository,
    usage: options.usage ?? createMysqlUsageRepository(database.db),
    search: options.search ?? createMysqlSearchRepository(database.db),
    model: createOpenAIChatModel({
      apiKey: "sk-test-secret",
      baseURL: simulatorUrl,
      idleTimeoutMs: options.idleTimeoutMs ?? 2_000,
      maxRetries: options.maxRetries ?? 2,
      ...(options.onAttempt && { onAttempt: options.onAttempt }),
      ...(options.modelLogger && { logger: options.modelLogger }),
    }),
    tokenCounter,
    clock: systemClock,
    newId: uuidV7,
    logger: silentLogger,
    authToken: testToken,
    apiKeys: {
      store: createMysqlApiKeyStore(database.db),
      cacheMs: options.keyCacheMs ?? 5_000,
      ...(options.keyClock && { clock: options.keyClock }),
    },
    corsOrigins: ["https://app.example"],
    orphanGraceMs: 30_000,
    progressIntervalMs: 100,
    maxRequestBytes: 64 * 1024,
    maxDeadlineMs: 60_000,
    ready: () =>
      database.ping().then(
        () => true,
        () => false,
      ),
    presets: createMysqlPresetStore(database.db),
    sendRequests: { store: createMysqlSendRequestStore(database.db), windowMs: 24 * 3_600_000 },
    ...(options.titleSettings && {
      titles: { store: createMysqlTitleStore(database.db), settings: options.titleSettings },
    }),
    ...options,
    transfer: { store: createMysqlTransferStore(database.db), ...options.transfer },
    whatsapp: options.whatsapp?.(database),
    ...(options.modelsOn && { models: options.modelsOn(database) }),
    settings: {
      model: "gpt-4o-mini",
      limits: { contextWindow: 128_000, maxOutputTokens: 1_000 },
      temperature: 1,
      systemPrompt: "You are a test.",
      systemPromptTokens: tokenCounter.count("You are a test."),
      maxMessageBytes: 16 * 1024,
      ...options.settings,
    },
  });
  const address = await parley.server.listen(0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const transport = (protocol: Protocol, token: string | null = testToken): Transport => {
    const interceptors = token === null ? [] : [bearerAuth(token)];
    return protocol === "grpc"
      ? createGrpcTransport({ baseUrl, interceptors })
      : protocol === "grpc-web"
        ? createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors })
        : createConnectTransport({
            baseUrl,
            httpVersion: protocol === "connect-h2" ? "2" : "1.1",
            interceptors,
          });
  };

  return {
    parley,
    simulator,
    database,
    repository,
    baseUrl,
    port: address.port,
    transport,
    client: (protocol: Protocol = "grpc", token: string | null = testToken): Client<typeof ChatService> =>
      createClient(ChatService, transport(protocol, token)),
    /** Waits until every turn ended so far is searchable (the indexer runs just after final writes). */
    searchIndexed: () => searchIndexer.drain(),
    async stop() {
      await parley.shutdown(0);
      await searchIndexer.close();
      await simulator.close();
      await database.drop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startParley>>;

/** The chat messages of the simulator's latest request: the prompt Parley sent upstream. */
export function lastPrompt(harness: Harness): { role: string; content: string }[] {
  const body = harness.simulator.requests.at(-1)?.body as
    { messages?: { role: string; content: string }[] } | undefined;
  if (!body?.messages) throw new Error("the simulator received no chat request");
  return body.messages;
}
