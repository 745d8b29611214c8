/**
 * `parley.presets.v1.PresetService` over the preset use cases. The caller is resolved as for ChatService:
 * the service token acts for the `user_id` it names, a personal key for its own user only. Errors are
 * mapped by the error interceptor, as for every RPC.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { PresetService, type PresetSchema } from "@parley/gen/parley/presets/v1/presets_pb";
import type { PresetUseCases } from "../../application/presets/preset-use-cases.js";
import type { Preset } from "../../domain/preset.js";
import { asActingUser } from "./caller-context.js";

export function createPresetServiceHandler(presets: PresetUseCases): ServiceImpl<typeof PresetService> {
  return {
    async listPresets(request, context) {
      return { presets: (await presets.listPresets(asActingUser(request, context))).map(presetToProto) };
    },
    async createPreset(request, context) {
      return { preset: presetToProto(await presets.createPreset(asActingUser(request, context))) };
    },
    async updatePreset(request, context) {
      return { preset: presetToProto(await presets.updatePreset(asActingUser(request, context))) };
    },
    async deletePreset(request, context) {
      await presets.deletePreset(asActingUser(request, context));
      return {};
    },
  };
}

function presetToProto(preset: Preset): MessageInitShape<typeof PresetSchema> {
  return {
    id: preset.id,
    name: preset.name,
    instructions: preset.instructions,
    tokenCount: preset.instructionsTokens,
    createTime: timestampFromDate(preset.createdAt),
    updateTime: timestampFromDate(preset.updatedAt),
  };
}
