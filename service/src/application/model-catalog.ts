/**
 * What we know about models: context window, tokenizer encoding and price. Prefix match, longest first,
 * so dated snapshots (`gpt-4o-2024-08-06`) inherit their family. Config can override the window
 * (`MODEL_CONTEXT_TOKENS`) and the prices (`MODEL_PRICES`).
 */

export type Encoding = "o200k_base" | "cl100k_base";

export interface ModelProfile {
  contextWindow: number;
  encoding: Encoding;
}

const catalog: [prefix: string, profile: ModelProfile][] = [
  ["gpt-5", { contextWindow: 400_000, encoding: "o200k_base" }],
  ["gpt-4.1", { contextWindow: 1_047_576, encoding: "o200k_base" }],
  ["gpt-4o", { contextWindow: 128_000, encoding: "o200k_base" }],
  ["o1", { contextWindow: 200_000, encoding: "o200k_base" }],
  ["o3", { contextWindow: 200_000, encoding: "o200k_base" }],
  ["o4", { contextWindow: 200_000, encoding: "o200k_base" }],
  ["gpt-4-turbo", { contextWindow: 128_000, encoding: "cl100k_base" }],
  ["gpt-4-32k", { contextWindow: 32_768, encoding: "cl100k_base" }],
  ["gpt-4", { contextWindow: 8_192, encoding: "cl100k_base" }],
  ["gpt-3.5-turbo", { contextWindow: 16_385, encoding: "cl100k_base" }],
];
catalog.sort((a, b) => b[0].length - a[0].length);

/** Unknown models (Ollama, vLLM, ...) get a conservative window and the newest encoding. */
export const fallbackProfile: ModelProfile = { contextWindow: 8_192, encoding: "o200k_base" };

export function modelProfile(model: string): ModelProfile & { known: boolean } {
  const entry = catalog.find(([prefix]) => model === prefix || model.startsWith(`${prefix}-`));
  return entry ? { ...entry[1], known: true } : { ...fallbackProfile, known: false };
}

/** A model's list price in USD per 1 000 000 tokens, which is exactly micro-USD per token. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Prices by model name (exact name or family prefix, as for the catalog above). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * OpenAI's list prices for standard (non-batch, uncached) text tokens, USD per 1M tokens.
 * Source: https://openai.com/api/pricing/ (also https://platform.openai.com/docs/pricing),
 * as last known on 2025-08-07 (written without network access; not re-checked since).
 * The operator is responsible for current prices: set `MODEL_PRICES` to correct or add any of them.
 * Older dated snapshots may have had other prices (e.g. gpt-4o-2024-05-13 was 5 / 15); set them
 * explicitly if you pin one. Unknown models (Ollama, vLLM, ...) cost 0 unless set.
 */
export const defaultPrices: PriceTable = {
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  o1: { input: 15, output: 60 },
  "o1-mini": { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  "o3-mini": { input: 1.1, output: 4.4 },
  "o4-mini": { input: 1.1, output: 4.4 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-4-32k": { input: 60, output: 120 },
  "gpt-4": { input: 30, output: 60 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
};

const free: ModelPrice = { input: 0, output: 0 };

/**
 * The price of `model` from the defaults with `overrides` laid over them (an override replaces the default
 * of the same name and adds the others). The longest matching name wins, so `gpt-4o-mini-2024-07-18` is
 * priced as `gpt-4o-mini`, not `gpt-4o`, whichever of the two was overridden. Unknown models cost 0.
 */
export function modelPrice(model: string, overrides: PriceTable = {}): ModelPrice {
  return longestMatch({ ...defaultPrices, ...overrides }, model) ?? free;
}

function longestMatch(table: PriceTable, model: string): ModelPrice | undefined {
  let best: [string, ModelPrice] | undefined;
  for (const [name, price] of Object.entries(table)) {
    const matches = model === name || model.startsWith(`${name}-`);
    if (matches && (!best || name.length > best[0].length)) best = [name, price];
  }
  return best?.[1];
}

/**
 * What `promptTokens` in and `completionTokens` out cost, in micro-USD, rounded to a whole one per
 * reply (aggregates sum these rounded figures, so a day's total equals the sum of its replies).
 */
export function costMicros(price: ModelPrice, promptTokens: number, completionTokens: number): number {
  return Math.round(promptTokens * price.input + completionTokens * price.output);
}

/** One model a chat can talk to, as the operator configured it (MODELS_FILE or the single-model settings). */
export interface ModelEntry {
  /** The public id: what clients name (SendMessage's `model`, SetChatModel) and what chats store. */
  id: string;
  displayName: string;
  /** The provider that serves it (see ProviderEntry in models-config.ts). */
  providerId: string;
  /** The model's name at the provider (the `model` of the chat-completions request). */
  upstreamModel: string;
  contextWindow: number;
  maxOutputTokens: number;
  encoding: Encoding;
  price: ModelPrice;
  /** Another model's id, used when this one's provider is unavailable before the first token. */
  fallback: string | null;
}

/** The configured models: a bounded list, read-only once the process has started. */
export interface ModelCatalog {
  /** Every model, the default first. */
  readonly models: readonly ModelEntry[];
  /** The model of a new chat that names none, and of a chat whose stored model is gone. */
  readonly defaultModel: ModelEntry;
  find(id: string): ModelEntry | undefined;
}

/** A catalog of `models` (at least one, ids unique) whose default is `defaultId` or the first. */
export function createModelCatalog(models: readonly ModelEntry[], defaultId?: string): ModelCatalog {
  const byId = new Map(models.map((model) => [model.id, model]));
  const defaultModel = byId.get(defaultId ?? models[0]?.id ?? "");
  if (!defaultModel) throw new Error(`the default model ${defaultId ?? "(none)"} is not in the catalog`);
  return {
    models: [defaultModel, ...models.filter((model) => model !== defaultModel)],
    defaultModel,
    find: (id) => byId.get(id),
  };
}

/**
 * The catalog of a process configured for one model (the tests' and the old single-model settings):
 * `model` is its own id and upstream name.
 */
export function singleModelCatalog(
  model: string,
  limits: { contextWindow: number; maxOutputTokens: number },
  prices: PriceTable = {},
): ModelCatalog {
  return createModelCatalog([
    {
      id: model,
      displayName: model,
      providerId: "default",
      upstreamModel: model,
      ...limits,
      encoding: modelProfile(model).encoding,
      price: modelPrice(model, prices),
      fallback: null,
    },
  ]);
}
