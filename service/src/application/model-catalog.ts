/**
 * What we know about models: context window and tokenizer encoding. Prefix match, longest first, so
 * dated snapshots (`gpt-4o-2024-08-06`) inherit their family. Config can override the window.
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
