/** Presets: named instructions a user saves and gives to chats. Pure data and its bounds. */

export interface Preset {
  id: string;
  userId: string;
  name: string;
  /** Not blank; bounded like a chat's instructions. */
  instructions: string;
  /** Their tokens, counted when they were saved. */
  instructionsTokens: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The most presets one user keeps. */
export const maxPresetsPerUser = 100;

/** The longest preset name, in characters (the column holds exactly this many). */
export const maxPresetNameLength = 100;
