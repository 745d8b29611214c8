/**
 * The models chats talk to, as the use cases see them: the catalog, a token counter per encoding, and
 * where counts in other encodings are kept. `turnModels` picks the model of one turn.
 */
import type { ContextLimits } from "../../domain/context-window.js";
import { unknownModel } from "../../domain/errors.js";
import type { ChatUseCaseDeps } from "../chat-use-cases.js";
import { singleModelCatalog, type Encoding, type ModelCatalog, type ModelEntry } from "../model-catalog.js";
import type { TokenCounter } from "../ports.js";
import type { TokenCountStore } from "./token-count-store.js";

export interface ChatModels {
  catalog: ModelCatalog;
  counterFor(encoding: Encoding): TokenCounter;
  /** Counts of stored messages in encodings other than the one they were written in; null: not kept. */
  tokenCounts: TokenCountStore | null;
}

/** What one turn is answered with. */
export interface ModelChoice {
  model: ModelEntry;
  counter: TokenCounter;
  limits: ContextLimits;
  /** The system prompt's tokens in this model's encoding (null without a system prompt). */
  systemPromptTokens: number | null;
  /**
   * The encoding of stored messages whose count carries none (written before counts were tagged): the
   * default model's, which was the only model then.
   */
  legacyEncoding: Encoding;
}

/** The deps' models, or the single configured model (tests of other concerns, the old settings). */
export function chatModelsOf(deps: ChatUseCaseDeps): ChatModels {
  return (
    deps.models ?? {
      catalog: singleModelCatalog(deps.settings.model, deps.settings.limits),
      counterFor: () => deps.tokenCounter,
      tokenCounts: null,
    }
  );
}

/** The model a `requested` id names; INVALID_ARGUMENT (`model.unknown`) when none is configured. */
export function requireModel(catalog: ModelCatalog, requested: string): ModelEntry {
  const model = catalog.find(requested);
  if (!model) throw unknownModel(requested.slice(0, 100));
  return model;
}

/**
 * The models of a turn, before its chat is read: the one requested (INVALID_ARGUMENT `model.unknown` when
 * it is not configured), and whether the chat's own model decides (an existing chat, none requested,
 * more than one model). The chat's model is then read in the turn's transaction (no read before it):
 * `forChat` picks the choice from it, the default's until then.
 */
export function turnModels(
  deps: ChatUseCaseDeps,
  existingChat: boolean,
  requestedModel: string | undefined,
): { requested: ModelEntry | null; first: ModelChoice; forChat(chatModel: string): ModelChoice } {
  const models = chatModelsOf(deps);
  const { catalog } = models;
  const requested = requestedModel?.trim() ? requireModel(catalog, requestedModel.trim()) : null;
  const first = choiceOf(deps, models, requested ?? catalog.defaultModel);
  const chatDecides = existingChat && requested === null && catalog.models.length > 1;
  const others = new Map<string, ModelChoice>();
  return {
    requested,
    first,
    forChat(chatModel) {
      const model = chatDecides ? (catalog.find(chatModel) ?? catalog.defaultModel) : first.model;
      if (model.id === first.model.id) return first;
      let choice = others.get(model.id);
      if (!choice) others.set(model.id, (choice = choiceOf(deps, models, model)));
      return choice;
    },
  };
}

/** The counter, window and system prompt cost of `model`. */
export function choiceOf(deps: ChatUseCaseDeps, models: ChatModels, model: ModelEntry): ModelChoice {
  const counter = models.counterFor(model.encoding);
  const { systemPrompt, systemPromptTokens } = deps.settings;
  const legacyEncoding = models.catalog.defaultModel.encoding;
  return {
    model,
    counter,
    limits: { contextWindow: model.contextWindow, maxOutputTokens: model.maxOutputTokens },
    systemPromptTokens:
      systemPrompt === null
        ? null
        : model.encoding === legacyEncoding && systemPromptTokens !== null
          ? systemPromptTokens
          : counter.count(systemPrompt),
    legacyEncoding,
  };
}

/** The window and answer reserve of a chat's model (the default model's when it is no longer configured). */
export function limitsOf(deps: ChatUseCaseDeps, modelId: string): ContextLimits {
  const { catalog } = chatModelsOf(deps);
  const model = catalog.find(modelId) ?? catalog.defaultModel;
  return { contextWindow: model.contextWindow, maxOutputTokens: model.maxOutputTokens };
}

/** The counter of a model's encoding, by model id (the default model's for an id no longer configured). */
export function counterOfModel(models: ChatModels): (modelId: string) => TokenCounter {
  return (modelId) =>
    models.counterFor((models.catalog.find(modelId) ?? models.catalog.defaultModel).encoding);
}
