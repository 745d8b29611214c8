/**
 * presets.*: the signed-in user's presets (named instructions), each procedure one call to the service's
 * PresetService with the service token on the session user's behalf.
 */
import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Preset } from "@parley/gen/parley/presets/v1/presets_pb";
import { maxInstructionsBytes, maxPresetNameLength, type PresetView } from "~/lib/instructions-types";
import { callService } from "../connect-errors";
import { createRouter, protectedProcedure, type TrpcContext } from "../init";

const unaryTimeoutMs = 15_000;
const presetId = z.string().uuid();
const name = z.string().trim().min(1, "Give the preset a name.").max(maxPresetNameLength);
const instructions = z
  .string()
  .max(maxInstructionsBytes)
  .refine((text) => text.trim().length > 0, "A preset needs instructions.");

const toView = (preset: Preset | undefined): PresetView => ({
  id: preset?.id ?? "",
  name: preset?.name ?? "",
  instructions: preset?.instructions ?? "",
  tokenCount: preset?.tokenCount ?? 0,
});

function presetsOf(ctx: TrpcContext) {
  if (!ctx.presets) throw new TRPCError({ code: "NOT_IMPLEMENTED", message: "Presets are not available." });
  return ctx.presets;
}

export const presetsRouter = createRouter({
  /** The user's presets, by name. */
  list: protectedProcedure.query(async ({ ctx }): Promise<PresetView[]> => {
    const listed = await callService(ctx.log, "ListPresets", () =>
      presetsOf(ctx).listPresets({ userId: ctx.userId }, { timeoutMs: unaryTimeoutMs }),
    );
    return listed.presets.map(toView);
  }),

  create: protectedProcedure
    .input(z.object({ name, instructions }))
    .mutation(async ({ ctx, input }): Promise<PresetView> => {
      const created = await callService(ctx.log, "CreatePreset", () =>
        presetsOf(ctx).createPreset({ userId: ctx.userId, ...input }, { timeoutMs: unaryTimeoutMs }),
      );
      return toView(created.preset);
    }),

  /** Renames a preset and/or changes its instructions. */
  update: protectedProcedure
    .input(z.object({ presetId, name: name.optional(), instructions: instructions.optional() }))
    .mutation(async ({ ctx, input }): Promise<PresetView> => {
      const updated = await callService(ctx.log, "UpdatePreset", () =>
        presetsOf(ctx).updatePreset({ userId: ctx.userId, ...input }, { timeoutMs: unaryTimeoutMs }),
      );
      return toView(updated.preset);
    }),

  delete: protectedProcedure.input(z.object({ presetId })).mutation(async ({ ctx, input }) => {
    await callService(ctx.log, "DeletePreset", () =>
      presetsOf(ctx).deletePreset({ userId: ctx.userId, ...input }, { timeoutMs: unaryTimeoutMs }),
    );
    return { presetId: input.presetId };
  }),
});
