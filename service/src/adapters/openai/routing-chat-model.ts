/**
 * The ChatModel that the reply hub talks to when several providers are configured: it looks the
 * requested model id up in the catalog and streams from that model's provider (one ChatModel, hence one
 * client with its own key, per provider), under the model's upstream name. When the provider is
 * unavailable before it accepted the request (connection refused, 5xx or 429 after the provider's own
 * retries) and the model has a fallback, the fallback answers: its `accepted` event names it, so the
 * reply is metered as the fallback. One level only: a fallback's own fallback is not followed.
 */
import type { ModelCatalog, ModelEntry } from "../../application/model-catalog.js";
import type { Logger } from "../../application/ports.js";
import type { ChatModel, ModelEvent, ModelRequest } from "../../application/replies/chat-model.js";
import { DomainError } from "../../domain/errors.js";

export interface RoutingChatModelOptions {
  catalog: ModelCatalog;
  /** The ChatModel of each provider, by provider id (every provider the catalog's models name). */
  providers: ReadonlyMap<string, ChatModel>;
  logger?: Logger;
}

export function createRoutingChatModel(options: RoutingChatModelOptions): ChatModel {
  const { catalog, providers, logger } = options;
  for (const model of catalog.models) {
    if (!providers.has(model.providerId))
      throw new Error(`model ${model.id}: no provider "${model.providerId}" was configured`);
  }

  function streamFrom(entry: ModelEntry, request: ModelRequest, signal: AbortSignal) {
    const provider = providers.get(entry.providerId)!;
    const maxOutputTokens = Math.min(request.maxOutputTokens, entry.maxOutputTokens);
    return provider.stream({ ...request, model: entry.upstreamModel, maxOutputTokens }, signal);
  }

  return {
    stream(request, signal) {
      // sendMessage only asks for models of the catalog; a chat whose model was removed gets the default.
      const entry = catalog.find(request.model) ?? catalog.defaultModel;
      // Without a fallback there is nothing to catch: the provider's stream as it is, without a
      // generator of ours around it for the whole reply (docs/benchmarks.md, "Per-stream memory").
      if (entry.fallback === null) return streamFrom(entry, request, signal);
      return withFallback(entry, request, signal);
    },
  };

  /** The entry's provider, and its fallback's when it is unavailable before it accepted the request. */
  async function* withFallback(
    entry: ModelEntry,
    request: ModelRequest,
    signal: AbortSignal,
  ): AsyncIterable<ModelEvent> {
    let began = false;
    try {
      for await (const event of streamFrom(entry, request, signal)) {
        began = true;
        yield event;
      }
      return;
    } catch (error) {
      const fallback = entry.fallback === null ? undefined : catalog.find(entry.fallback);
      if (began || !fallback || signal.aborted || !isUnavailable(error)) throw error;
      logger?.warn("a model's provider is unavailable: its fallback answers", {
        ...request.logFields,
        model: entry.id,
        provider: entry.providerId,
        fallback: fallback.id,
        error: String(error),
      });
      for await (const event of streamFrom(fallback, request, signal)) {
        yield event.type === "accepted" ? { type: "accepted", model: fallback.id } : event;
      }
    }
  }
}

function isUnavailable(error: unknown): boolean {
  return error instanceof DomainError && error.code === "upstream.unavailable";
}
