/**
 * The preset use cases: list, create, update (rename and/or new instructions), delete — always the
 * caller's own presets. Instructions are checked and counted as a chat's are (a preset must fit any chat).
 */
import type { ContextLimits } from "../../domain/context-window.js";
import { invalidArgument, presetNotFound } from "../../domain/errors.js";
import { maxPresetNameLength, maxPresetsPerUser, type Preset } from "../../domain/preset.js";
import { requireId, requireUserId } from "../input-rules.js";
import { countInstructions, type InstructionsBounds } from "../instructions/instructions-rules.js";
import type { Clock, IdGenerator, TokenCounter } from "../ports.js";
import type { PresetStore } from "./preset-store.js";

export interface PresetDeps {
  store: PresetStore;
  tokenCounter: TokenCounter;
  clock: Clock;
  newId: IdGenerator;
  bounds: InstructionsBounds;
  limits: ContextLimits;
  /** Default: `maxPresetsPerUser`. */
  maxPerUser?: number;
}

export interface CreatePresetInput {
  userId: string;
  name: string;
  instructions: string;
}

export interface UpdatePresetInput {
  userId: string;
  presetId: string;
  name?: string | undefined;
  instructions?: string | undefined;
}

export class PresetUseCases {
  constructor(private readonly deps: PresetDeps) {}

  listPresets(input: { userId: string }): Promise<Preset[]> {
    return this.deps.store.list(requireUserId(input.userId));
  }

  async createPreset(input: CreatePresetInput): Promise<Preset> {
    const userId = requireUserId(input.userId);
    const name = requirePresetName(input.name);
    const counted = this.instructions(input.instructions);
    const now = this.deps.clock.now();
    const preset: Preset = {
      id: this.deps.newId(),
      userId,
      name,
      instructions: counted.text,
      instructionsTokens: counted.tokens,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.create(preset, this.deps.maxPerUser ?? maxPresetsPerUser);
    return preset;
  }

  async updatePreset(input: UpdatePresetInput): Promise<Preset> {
    const userId = requireUserId(input.userId);
    const presetId = requireId(input.presetId, "preset_id");
    const name = input.name === undefined ? undefined : requirePresetName(input.name);
    const instructions = input.instructions === undefined ? undefined : this.instructions(input.instructions);
    const updated = await this.deps.store.update(userId, presetId, {
      name,
      instructions,
      now: this.deps.clock.now(),
    });
    if (!updated) throw presetNotFound(presetId);
    return updated;
  }

  async deletePreset(input: { userId: string; presetId: string }): Promise<void> {
    const userId = requireUserId(input.userId);
    const presetId = requireId(input.presetId, "preset_id");
    if (!(await this.deps.store.delete(userId, presetId))) throw presetNotFound(presetId);
  }

  /** Checked and counted; a preset of "no instructions" is pointless, so blank is refused. */
  private instructions(text: string) {
    const { bounds, limits, tokenCounter } = this.deps;
    const counted = countInstructions(text, bounds, limits, tokenCounter);
    if (counted.text === "") throw invalidArgument("a preset's instructions must not be blank");
    return counted;
  }
}

function requirePresetName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, " ");
  if (trimmed.length === 0) throw invalidArgument("a preset's name must not be blank");
  if ([...trimmed].length > maxPresetNameLength)
    throw invalidArgument(`a preset's name is at most ${maxPresetNameLength} characters`);
  return trimmed;
}
