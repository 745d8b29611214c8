/**
 * What the browser sees of instructions and presets: plain JSON, no protobuf. The caps mirror the
 * service's defaults (`INSTRUCTIONS_MAX_BYTES`, `maxPresetNameLength`, `maxPresetsPerUser`); the service
 * still has the last word (tokens, a lower configured cap).
 */

/** Mirrors the default of INSTRUCTIONS_MAX_BYTES in service/src/config.ts. */
export const maxInstructionsBytes = 16_384;
/** Mirrors `maxPresetNameLength` in service/src/domain/preset.ts. */
export const maxPresetNameLength = 100;
/** Mirrors `maxPresetsPerUser` in service/src/domain/preset.ts. */
export const maxPresets = 100;

/** A chat's instructions: null = the service's default; "" = no system prompt at all. */
export type ChatInstructions = string | null;

export interface PresetView {
  id: string;
  name: string;
  instructions: string;
  tokenCount: number;
}
