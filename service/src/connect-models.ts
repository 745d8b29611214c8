/**
 * Part of the composition root: one OpenAI-compatible client per configured provider (each with its own
 * key, sent to it alone), the built-in simulator when a provider is the simulator, and the routing
 * ChatModel over them that the reply hub talks to.
 */
import { createUpstreamAgent } from "./adapters/openai/upstream-agent.js";
import { createMysqlTokenCountStore } from "./adapters/mysql/mysql-token-count-store.js";
import type { ChatDatabase } from "./adapters/mysql/database.js";
import { createOpenAIChatModel } from "./adapters/openai/openai-chat-model.js";
import { createRoutingChatModel } from "./adapters/openai/routing-chat-model.js";
import { createTiktokenTokenCounters } from "./adapters/tiktoken/tiktoken-token-counter.js";
import { createModelCatalog } from "./application/model-catalog.js";
import type { ChatModels } from "./application/models/chat-models.js";
import type { Logger } from "./application/ports.js";
import type { ChatModel } from "./application/replies/chat-model.js";
import type { Config } from "./config.js";
import { createSimulator } from "./simulator/simulator.js";

export interface ConnectedModels {
  /** The routing model: what the reply hub streams from. */
  model: ChatModel;
  models: ChatModels;
  close(): Promise<void>;
}

/** The placeholder sent to a provider that needs no key (Ollama): the SDK insists on one. */
const noKey = "no-key";

export async function connectModels(
  config: Config,
  db: ChatDatabase,
  logger: Logger,
  /** Told of every HTTP attempt at any provider (metrics). */
  onAttempt?: (attempt: { retry: boolean; status: number | null }) => void,
): Promise<ConnectedModels> {
  const setup = config.models;
  const catalog = createModelCatalog(setup.models, setup.defaultModel);
  const agent = createUpstreamAgent(config.upstreamKeepAliveMs);
  const common = {
    dispatcher: agent,
    idleTimeoutMs: config.upstreamIdleTimeoutMs,
    maxRetries: config.openai.maxRetries,
    logger,
    ...(onAttempt && { onAttempt }),
  };
  let simulator: ReturnType<typeof createSimulator> | null = null;
  const providers = new Map<string, ChatModel>();
  for (const provider of setup.providers) {
    if (provider.kind === "simulator") {
      simulator ??= createSimulator({ paceMs: config.simulatorPaceMs });
      const url = await simulator.listen(0, "127.0.0.1");
      logger.info(
        `no OPENAI_API_KEY and no MODELS_FILE: answering with the built-in simulator at ${url} (set OPENAI_API_KEY for real answers)`,
      );
      providers.set(provider.id, createOpenAIChatModel({ ...common, apiKey: "simulator", baseURL: url }));
      continue;
    }
    logger.info(`provider ${provider.id} at ${provider.baseUrl ?? "OpenAI"}`, {
      models: catalog.models.filter((m) => m.providerId === provider.id).map((m) => m.id),
    });
    providers.set(
      provider.id,
      createOpenAIChatModel({
        ...common,
        apiKey: provider.apiKey ?? noKey,
        ...(provider.baseUrl && { baseURL: provider.baseUrl }),
      }),
    );
  }
  return {
    model: createRoutingChatModel({ catalog, providers, logger }),
    models: {
      catalog,
      counterFor: createTiktokenTokenCounters(),
      tokenCounts: createMysqlTokenCountStore(db),
    },
    close: async () => {
      // Called once replies and titles have ended: nothing of worth is in flight, so nothing is waited for.
      await agent.destroy();
      await simulator?.close();
    },
  };
}
