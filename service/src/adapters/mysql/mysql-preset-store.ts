/** The PresetStore port over MySQL/MariaDB. Every statement is scoped by `user_id`. */
import { and, asc, count, eq, sql } from "drizzle-orm";
import type { PresetStore } from "../../application/presets/preset-store.js";
import { presetNameTaken, tooManyPresets } from "../../domain/errors.js";
import type { Preset } from "../../domain/preset.js";
import type { ChatDatabase } from "./database.js";
import { isDuplicateKey } from "./duplicate-key.js";
import { presets, userLimits, type PresetRow } from "./schema.js";
import { withStorageErrors } from "./storage-errors.js";

export function createMysqlPresetStore(db: ChatDatabase): PresetStore {
  const owned = (userId: string, presetId: string) =>
    and(eq(presets.id, presetId), eq(presets.userId, userId));

  return {
    list: (userId) =>
      withStorageErrors(async () => {
        const rows = await db
          .select()
          .from(presets)
          .where(eq(presets.userId, userId))
          .orderBy(asc(presets.name))
          .limit(1_000); // far above the per-user bound: a guard, never reached
        return rows.map(toPreset);
      }),

    create: (preset, maxPerUser) =>
      withStorageErrors(async () => {
        try {
          await db.transaction(async (tx) => {
            // The user's row in user_limits is their lock (as for live replies, see start-turn.ts): two
            // creations of one user count one after the other, on any replica, so the bound is exact.
            await tx
              .insert(userLimits)
              .values({ userId: preset.userId, updatedAt: preset.createdAt })
              .onDuplicateKeyUpdate({ set: { userId: sql`${userLimits.userId}` } });
            const [held] = await tx
              .select({ n: count() })
              .from(presets)
              .where(eq(presets.userId, preset.userId));
            if ((held?.n ?? 0) >= maxPerUser) throw tooManyPresets(maxPerUser);
            await tx.insert(presets).values(preset);
          });
        } catch (error) {
          if (isDuplicateKey(error)) throw presetNameTaken(preset.name);
          throw error;
        }
      }),

    update: (userId, presetId, { name, instructions, now }) =>
      withStorageErrors(async () => {
        try {
          const [result] = await db
            .update(presets)
            .set({
              ...(name !== undefined && { name }),
              ...(instructions && {
                instructions: instructions.text,
                instructionsTokens: instructions.tokens,
              }),
              updatedAt: now,
            })
            .where(owned(userId, presetId));
          if (result.affectedRows === 0) return undefined;
        } catch (error) {
          if (isDuplicateKey(error) && name !== undefined) throw presetNameTaken(name);
          throw error;
        }
        const [row] = await db.select().from(presets).where(owned(userId, presetId)).limit(1);
        return row && toPreset(row);
      }),

    delete: (userId, presetId) =>
      withStorageErrors(async () => {
        const [result] = await db.delete(presets).where(owned(userId, presetId));
        return result.affectedRows > 0;
      }),
  };
}

function toPreset(row: PresetRow): Preset {
  return { ...row };
}
