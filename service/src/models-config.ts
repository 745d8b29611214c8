/**
 * The models configuration: which providers Parley talks to and which models a chat may pick. From the
 * JSON file at MODELS_FILE when set, otherwise from the single-model settings (OPENAI_API_KEY, MODEL, ...),
 * otherwise the built-in simulator as two simulated models. Validated once at start-up; every error names
 * the bad entry. API keys are never in the file: a provider names the environment variable holding its key.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  modelPrice,
  modelProfile,
  type Encoding,
  type ModelEntry,
  type PriceTable,
} from "./application/model-catalog.js";

/** Where one provider is and how to authenticate to it. */
export interface ProviderEntry {
  id: string;
  /** `openai`: any OpenAI-compatible server; `simulator`: the built-in one, started by main.ts. */
  kind: "openai" | "simulator";
  /** The chat-completions base URL (…/v1); null: OpenAI's own. */
  baseUrl: string | null;
  /** The key, read from the environment variable the file names; null: none is sent (e.g. Ollama). */
  apiKey: string | null;
}

export interface ModelsSetup {
  /** Where the models came from: MODELS_FILE, the single-model settings, or none (the simulator). */
  source: "file" | "settings" | "simulator";
  providers: ProviderEntry[];
  models: ModelEntry[];
  defaultModel: string;
}

/** What the single-model settings say, for when there is no MODELS_FILE. */
export interface SingleModelSettings {
  model: string;
  apiKey: string | null;
  baseUrl: string | null;
  contextWindowOverride: number | null;
  maxOutputTokens: number;
  prices: PriceTable;
}

/** Bounds on the file: the catalog is listed whole by ListModels. */
export const maxProviders = 32;
export const maxModels = 200;

const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/, "must be 1-100 letters, digits or . _ : / - characters");
const encodings = ["o200k_base", "cl100k_base"] as const satisfies readonly Encoding[];

const providerSchema = z
  .object({
    id: slug,
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the NAME of an environment variable")
      .optional(),
    apiKey: z
      .never(
        "keys are never written in the file: put the key in an environment variable and name it in apiKeyEnv",
      )
      .optional(),
  })
  .strict();

const modelSchema = z
  .object({
    id: slug,
    provider: slug,
    upstreamModel: z.string().min(1).max(200).optional(),
    displayName: z.string().min(1).max(100).optional(),
    contextWindow: z.number().int().min(256).max(10_000_000).optional(),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
    encoding: z.enum(encodings).optional(),
    price: z.strictObject({ input: z.number().min(0), output: z.number().min(0) }).optional(),
    fallback: slug.optional(),
  })
  .strict();

const fileSchema = z
  .object({
    defaultModel: slug.optional(),
    providers: z.array(providerSchema).min(1).max(maxProviders),
    models: z.array(modelSchema).min(1).max(maxModels),
  })
  .strict();

type ModelsFile = z.infer<typeof fileSchema>;

/** Reads and validates MODELS_FILE; throws Error with every problem, each naming its entry. */
export function loadModelsFile(
  path: string,
  env: Record<string, string | undefined>,
  defaults: { maxOutputTokens: number; prices: PriceTable },
): ModelsSetup {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`MODELS_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`MODELS_FILE ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseModelsFile(json, env, defaults, `MODELS_FILE ${path}`);
}

/** Validates a parsed models file (see loadModelsFile). */
export function parseModelsFile(
  json: unknown,
  env: Record<string, string | undefined>,
  defaults: { maxOutputTokens: number; prices: PriceTable },
  source = "the models file",
): ModelsSetup {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${source} is invalid:\n${parsed.error.issues.map(describeIssue(json)).join("\n")}`);
  }
  const problems = crossCheck(parsed.data, env);
  if (problems.length > 0)
    throw new Error(`${source} is invalid:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  const file = parsed.data;
  const providers: ProviderEntry[] = file.providers.map((provider) => ({
    id: provider.id,
    kind: "openai",
    baseUrl: provider.baseUrl?.replace(/\/+$/, "") ?? null,
    apiKey: provider.apiKeyEnv === undefined ? null : (env[provider.apiKeyEnv] ?? null),
  }));
  const models = file.models.map((model): ModelEntry => {
    const upstreamModel = model.upstreamModel ?? model.id;
    const profile = modelProfile(upstreamModel);
    return {
      id: model.id,
      displayName: model.displayName ?? model.id,
      providerId: model.provider,
      upstreamModel,
      contextWindow: model.contextWindow ?? profile.contextWindow,
      maxOutputTokens: model.maxOutputTokens ?? defaults.maxOutputTokens,
      encoding: model.encoding ?? profile.encoding,
      price: model.price ?? modelPrice(upstreamModel, defaults.prices),
      fallback: model.fallback ?? null,
    };
  });
  return { source: "file", providers, models, defaultModel: file.defaultModel ?? models[0]!.id };
}

/** The references between entries, which the schema alone cannot check. */
function crossCheck(file: ModelsFile, env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const providerIds = new Set<string>();
  for (const provider of file.providers) {
    if (providerIds.has(provider.id)) problems.push(`providers: the id "${provider.id}" is used twice`);
    providerIds.add(provider.id);
    const name = provider.apiKeyEnv;
    if (name !== undefined && !env[name]?.trim())
      problems.push(`provider "${provider.id}": its key's environment variable ${name} is not set`);
  }
  const modelIds = new Set<string>();
  for (const model of file.models) {
    if (modelIds.has(model.id)) problems.push(`models: the id "${model.id}" is used twice`);
    modelIds.add(model.id);
  }
  for (const model of file.models) {
    const where = `model "${model.id}"`;
    if (!providerIds.has(model.provider))
      problems.push(`${where}: its provider "${model.provider}" is not among the providers`);
    if (model.fallback !== undefined && !modelIds.has(model.fallback))
      problems.push(`${where}: its fallback "${model.fallback}" is not among the models`);
    if (model.fallback === model.id) problems.push(`${where}: it cannot be its own fallback`);
    const upstream = model.upstreamModel ?? model.id;
    if (model.contextWindow === undefined && !modelProfile(upstream).known)
      problems.push(`${where}: "${upstream}" is not in the model table: set its contextWindow`);
    const window = model.contextWindow ?? modelProfile(upstream).contextWindow;
    if (model.maxOutputTokens !== undefined && model.maxOutputTokens >= window)
      problems.push(`${where}: maxOutputTokens must be smaller than the context window (${window})`);
  }
  if (file.defaultModel !== undefined && !modelIds.has(file.defaultModel))
    problems.push(`defaultModel: "${file.defaultModel}" is not among the models`);
  return problems;
}

/** "  models[1] (id "x").contextWindow: ..." — the entry named by its id when it has one. */
function describeIssue(json: unknown) {
  return (issue: z.core.$ZodIssue) => {
    const [list, index, ...rest] = issue.path;
    let where = issue.path.join(".") || "(the file)";
    if ((list === "providers" || list === "models") && typeof index === "number") {
      const entry = (json as Record<string, unknown[]>)[list]?.[index] as { id?: unknown } | undefined;
      const name = typeof entry?.id === "string" ? ` "${entry.id}"` : "";
      const kind = list === "providers" ? "provider" : "model";
      where = `${kind} ${index + 1}${name}${rest.length ? `: ${rest.join(".")}` : ""}`;
    }
    return `  ${where}: ${issue.message}`;
  };
}

/** The simulated models of a process without any key: two, so the picker has a choice. */
export const simulatedSecondModel = "simulated-gpt-4";

/** The models when there is no MODELS_FILE: the single-model settings, or the simulator. */
export function singleModelSetup(settings: SingleModelSettings): ModelsSetup {
  const profile = modelProfile(settings.model);
  const first: ModelEntry = {
    id: settings.model,
    displayName: settings.model,
    providerId: "openai",
    upstreamModel: settings.model,
    contextWindow: settings.contextWindowOverride ?? profile.contextWindow,
    maxOutputTokens: settings.maxOutputTokens,
    encoding: profile.encoding,
    price: modelPrice(settings.model, settings.prices),
    fallback: null,
  };
  if (settings.apiKey !== null) {
    return {
      source: "settings",
      providers: [{ id: "openai", kind: "openai", baseUrl: settings.baseUrl, apiKey: settings.apiKey }],
      models: [first],
      defaultModel: first.id,
    };
  }
  const simulated = (entry: ModelEntry): ModelEntry => ({ ...entry, providerId: "simulator" });
  return {
    source: "simulator",
    providers: [{ id: "simulator", kind: "simulator", baseUrl: null, apiKey: null }],
    models: [
      simulated({ ...first, displayName: `${settings.model} (simulated, fast)` }),
      simulated({
        id: simulatedSecondModel,
        displayName: "GPT-4 (simulated, smart, 8K window)",
        providerId: "simulator",
        upstreamModel: "gpt-4",
        contextWindow: 8_192,
        maxOutputTokens: Math.min(settings.maxOutputTokens, 2_048),
        encoding: "cl100k_base",
        price: modelPrice("gpt-4", settings.prices),
        fallback: null,
      }),
    ],
    defaultModel: first.id,
  };
}
