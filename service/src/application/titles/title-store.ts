/** The port where generated titles and what they cost are stored. Adapter: MySQL. */
import type { MeteredUsage } from "../../domain/usage.js";

export interface GeneratedTitle {
  userId: string;
  chatId: string;
  /** null: no usable title came back (only the usage is recorded). */
  title: string | null;
  /** What the request cost: added to the user's usage of the day, kind `title`. */
  usage: MeteredUsage;
  now: Date;
}

export interface TitleStore {
  /**
   * Stores the title only while the chat's title is still its first message's (`title_source` =
   * first_message): one conditional UPDATE, so a rename that lands first, on any replica, wins, and a
   * title is generated into a chat at most once. The usage is added whether or not the title was kept
   * (the model was asked either way), in the same transaction. Returns whether the title was stored.
   */
  saveGeneratedTitle(title: GeneratedTitle): Promise<boolean>;
}
