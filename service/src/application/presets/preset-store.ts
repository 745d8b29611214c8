/** The port for stored presets. Adapter: MySQL. Every read and write is scoped by the user. */
import type { Preset } from "../../domain/preset.js";

/** What an update changes; absent fields are kept. */
export interface PresetChanges {
  name?: string | undefined;
  instructions?: { text: string; tokens: number } | undefined;
  now: Date;
}

export interface PresetStore {
  /** The user's presets by name (at most `maxPresetsPerUser`). */
  list(userId: string): Promise<Preset[]>;
  /**
   * Adds a preset unless the user has `maxPerUser` already (`preset.too_many`, exact across replicas)
   * or one of the same name (`preset.name_taken`).
   */
  create(preset: Preset, maxPerUser: number): Promise<void>;
  /** undefined: no such preset of this user. `preset.name_taken` when renamed onto another's name. */
  update(userId: string, presetId: string, changes: PresetChanges): Promise<Preset | undefined>;
  /** false: no such preset of this user. */
  delete(userId: string, presetId: string): Promise<boolean>;
}
