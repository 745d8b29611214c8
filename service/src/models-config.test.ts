import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";
import { loadModelsFile, parseModelsFile, simulatedSecondModel } from "./models-config.js";

const defaults = { maxOutputTokens: 1024, prices: {} };
const env = { OPENAI_API_KEY: "sk-openai" };

const openAiAndOllama = {
  defaultModel: "gpt-4o-mini",
  providers: [
    { id: "openai", apiKeyEnv: "OPENAI_API_KEY" },
    { id: "ollama", baseUrl: "http://localhost:11434/v1/" },
  ],
  models: [
    {
      id: "llama3.1",
      provider: "ollama",
      upstreamModel: "llama3.1:8b",
      contextWindow: 8192,
      price: { input: 0, output: 0 },
    },
    { id: "gpt-4o-mini", provider: "openai", displayName: "GPT-4o mini", fallback: "llama3.1" },
    { id: "gpt-4", provider: "openai", maxOutputTokens: 2000 },
  ],
};

/** The error message of parsing `file`. */
function problemsOf(file: unknown, environment: Record<string, string | undefined> = env): string {
  try {
    parseModelsFile(file, environment, defaults);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("a models file", () => {
  it("gives providers their key from the named environment variable and fills models from the model table", () => {
    const setup = parseModelsFile(openAiAndOllama, env, defaults);
    expect(setup.defaultModel).toBe("gpt-4o-mini");
    expect(setup.providers).toEqual([
      { id: "openai", kind: "openai", baseUrl: null, apiKey: "sk-openai" },
      { id: "ollama", kind: "openai", baseUrl: "http://localhost:11434/v1", apiKey: null },
    ]);
    expect(setup.models).toEqual([
      {
        id: "llama3.1",
        displayName: "llama3.1",
        providerId: "ollama",
        upstreamModel: "llama3.1:8b",
        contextWindow: 8192,
        maxOutputTokens: 1024,
        encoding: "o200k_base",
        price: { input: 0, output: 0 },
        fallback: null,
      },
      {
        id: "gpt-4o-mini",
        displayName: "GPT-4o mini",
        providerId: "openai",
        upstreamModel: "gpt-4o-mini",
        contextWindow: 128_000,
        maxOutputTokens: 1024,
        encoding: "o200k_base",
        price: { input: 0.15, output: 0.6 },
        fallback: "llama3.1",
      },
      {
        id: "gpt-4",
        displayName: "gpt-4",
        providerId: "openai",
        upstreamModel: "gpt-4",
        contextWindow: 8_192,
        maxOutputTokens: 2000,
        encoding: "cl100k_base",
        price: { input: 30, output: 60 },
        fallback: null,
      },
    ]);
  });

  it("defaults to its first model and prices from MODEL_PRICES", () => {
    const { defaultModel: _, ...file } = openAiAndOllama;
    const setup = parseModelsFile(file, env, { ...defaults, prices: { "gpt-4": { input: 1, output: 2 } } });
    expect(setup.defaultModel).toBe("llama3.1");
    expect(setup.models[2]?.price).toEqual({ input: 1, output: 2 });
  });

  it.each([
    [
      "a key written inline",
      { ...openAiAndOllama, providers: [{ id: "openai", apiKey: "sk-x" }, openAiAndOllama.providers[1]] },
      'provider 1 "openai": apiKey: keys are never written in the file',
    ],
    [
      "a key variable that is not set",
      openAiAndOllama,
      'provider "openai": its key\'s environment variable OPENAI_API_KEY is not set',
      {},
    ],
    [
      "a key variable that is no name",
      { ...openAiAndOllama, providers: [{ id: "openai", apiKeyEnv: "sk-123" }] },
      'provider 1 "openai": apiKeyEnv: must be the NAME of an environment variable',
    ],
    [
      "an unknown provider",
      { ...openAiAndOllama, models: [{ id: "m", provider: "nobody", contextWindow: 4096 }] },
      'model "m": its provider "nobody" is not among the providers',
    ],
    [
      "an unknown fallback",
      { ...openAiAndOllama, models: [{ id: "gpt-4o", provider: "openai", fallback: "x" }] },
      'model "gpt-4o": its fallback "x" is not among the models',
    ],
    [
      "a duplicate model id",
      {
        ...openAiAndOllama,
        models: [openAiAndOllama.models[1], openAiAndOllama.models[1], openAiAndOllama.models[0]],
      },
      'models: the id "gpt-4o-mini" is used twice',
    ],
    [
      "a model not in the table without a window",
      { ...openAiAndOllama, models: [{ id: "mistral", provider: "ollama" }] },
      'model "mistral": "mistral" is not in the model table: set its contextWindow',
    ],
    [
      "an output cap as large as the window",
      { ...openAiAndOllama, models: [{ id: "gpt-4", provider: "openai", maxOutputTokens: 8192 }] },
      'model "gpt-4": maxOutputTokens must be smaller than the context window (8192)',
    ],
    [
      "an unknown encoding",
      { ...openAiAndOllama, models: [{ id: "gpt-4", provider: "openai", encoding: "p50k_base" }] },
      'model 1 "gpt-4": encoding:',
    ],
    [
      "an unknown field",
      { ...openAiAndOllama, models: [{ id: "gpt-4", provider: "openai", window: 5 }] },
      'model 1 "gpt-4": Unrecognized key: "window"',
    ],
    [
      "a default that is not a model",
      { ...openAiAndOllama, defaultModel: "gpt-5" },
      'defaultModel: "gpt-5" is not among the models',
    ],
    ["no models", { providers: openAiAndOllama.providers, models: [] }, "models: Too small"],
  ])("refuses %s, naming the entry", (_, file, problem, environment = env) => {
    expect(problemsOf(file, environment)).toContain(problem);
  });
});

describe("MODELS_FILE", () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-models-"));

  it("is read as JSON and wins over the single-model settings", () => {
    const path = join(directory, "models.json");
    writeFileSync(path, JSON.stringify(openAiAndOllama));
    const config = loadConfig({ ...env, MODELS_FILE: path, MODEL: "gpt-4" });
    expect(config.models.models.map((m) => m.id)).toEqual(["llama3.1", "gpt-4o-mini", "gpt-4"]);
    expect(config.models.defaultModel).toBe("gpt-4o-mini");
  });

  it("that is missing or not JSON stops the start with a clear error", () => {
    expect(() => loadConfig({ MODELS_FILE: join(directory, "absent.json") })).toThrow(
      /MODELS_FILE: MODELS_FILE .*absent\.json cannot be read/,
    );
    const path = join(directory, "broken.json");
    writeFileSync(path, "{ providers: ");
    expect(() => loadModelsFile(path, env, defaults)).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadConfig({ MODELS_FILE: path })).toThrow(ConfigError);
  });
});

describe("without MODELS_FILE", () => {
  it("the single-model settings are the one model, with OPENAI_BASE_URL and MODEL_CONTEXT_TOKENS", () => {
    const config = loadConfig({
      OPENAI_API_KEY: "sk-1",
      OPENAI_BASE_URL: "http://localhost:11434/v1",
      MODEL: "llama3.1",
      MODEL_CONTEXT_TOKENS: "32768",
      MAX_OUTPUT_TOKENS: "512",
    });
    expect(config.models.providers).toEqual([
      { id: "openai", kind: "openai", baseUrl: "http://localhost:11434/v1", apiKey: "sk-1" },
    ]);
    expect(config.models.models).toMatchObject([
      { id: "llama3.1", upstreamModel: "llama3.1", contextWindow: 32_768, maxOutputTokens: 512 },
    ]);
  });

  it("with no key at all the simulator serves two models with different windows and encodings", () => {
    const { providers, models, defaultModel } = loadConfig({}).models;
    expect(providers).toEqual([{ id: "simulator", kind: "simulator", baseUrl: null, apiKey: null }]);
    expect(defaultModel).toBe("gpt-4o-mini");
    expect(models.map((m) => [m.id, m.providerId, m.contextWindow, m.encoding])).toEqual([
      ["gpt-4o-mini", "simulator", 128_000, "o200k_base"],
      [simulatedSecondModel, "simulator", 8_192, "cl100k_base"],
    ]);
  });
});

describe("the README's models file example", () => {
  it("is valid", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Models and providers"));
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    const setup = parseModelsFile(JSON.parse(json!), env, defaults);
    expect(setup.models.map((m) => [m.id, m.providerId, m.contextWindow])).toEqual([
      ["gpt-4o-mini", "openai", 128_000],
      ["gpt-4.1", "openai", 1_047_576],
      ["llama3.1", "ollama", 8192],
    ]);
  });
});
